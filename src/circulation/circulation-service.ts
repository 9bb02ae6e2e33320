import type { Kysely } from 'kysely'
import { findItemByBarcode } from '../catalogue/item-repository.ts'
import { isMaterialType } from '../catalogue/material-types.ts'
import type { ChargeRow, Database, ItemRow, LoanRow, PatronRow, ReservationRow } from '../db/schema.ts'
import { overdueChargeFor } from '../fees/charge-builders.ts'
import { chargesOfLoan, insertCharges, recordRefund } from '../fees/charge-repository.ts'
import { evaluateFeeBlocks } from '../fees/fee-block-service.ts'
import { refundsPaidReplacement } from '../fees/refund-rules.ts'
import type { CprVault } from '../patrons/cpr-vault.ts'
import { cprLookup, findPatronByCardOrCpr, isBlocked } from '../patrons/patron-repository.ts'
import type { PolicyCatalog } from '../policy/policy-catalog.ts'
import type { Policy } from '../policy/policy-schema.ts'
import type { ChargeHandOver } from '../receivables/receivables-port.ts'
import type { Clock } from '../shared/clock.ts'
import { localDateOf } from '../shared/time.ts'
import {
  findItemForCheckout,
  findItemWithOpenLoan,
  type ItemForCheckout,
  type ItemWithOpenLoan,
  insertLoanIfItemIs,
  returnLoanAndShelveItem,
  returnLoanIfOnTime,
  shelveItem,
} from './loan-repository.ts'
import { decideRenewal, dueDateFor, isReferenceOnly, type LoanItem, standingRefusal } from './loan-rules.ts'
import { RefusalError } from './refusal.ts'
import { hasWaitingReservationByOthers, openReservationOf } from './reservation-repository.ts'

type Trx = Kysely<Database>

export interface CirculationDeps {
  policies: PolicyCatalog
  clock: Clock
  /** Where new, cancelled and refunded charges go: the municipality's receivables. */
  handOver: ChargeHandOver
  cprVault: CprVault
}

export interface CheckoutInput {
  municipality: string
  patron: string
  item: string
  /** The moment of the transaction; defaults to now (a machine replaying offline transactions sends its own). */
  at?: Date | undefined
  /**
   * An offline transaction a machine replays ("no block"): it happened, so it is recorded whatever the
   * patron's standing or the item's state (an item still on loan to another was returned first; a copy
   * held for another goes back to waiting).
   */
  noBlock?: boolean | undefined
}

export interface CheckinInput {
  municipality: string
  item: string
  at?: Date | undefined
  /** Næstved refunds a paid replacement only against the receipt; laan holds the payment record itself. */
  receiptShown?: boolean | undefined
}

export interface RenewInput {
  municipality: string
  item: string
  patron?: string | undefined
  at?: Date | undefined
}

export interface ReserveInput {
  municipality: string
  patron: string
  item: string
  at?: Date | undefined
}

export interface CheckoutResult {
  loan: LoanRow
  patron: Pick<PatronRow, 'id' | 'cardNumber'>
  item: ItemRow
}

export interface CheckinResult {
  loan: LoanRow
  item: ItemRow
  /** The borrower's card number. */
  patronCardNumber: string
  charges: ChargeRow[]
  cancelledCharges: number[]
  refundedCharges: number[]
  heldForPatronId: number | null
  /** Card number of the patron the item is now held for: put it on the hold shelf. */
  heldForCard: string | null
  wasLost: boolean
}

function loanItem(item: ItemRow): LoanItem {
  if (!isMaterialType(item.materialType)) throw new Error(`item ${item.barcode} has unknown material type`)
  return {
    materialType: item.materialType,
    referenceOnly: item.referenceOnly,
    illLoanDays: item.illLoanDays,
    illMaxRenewals: item.illMaxRenewals,
    ill: item.illLendingLibrary !== null,
  }
}

export function createCirculationService(deps: CirculationDeps) {
  const { policies, clock, handOver, cprVault } = deps

  async function requirePatron(trx: Trx, municipality: string, identifier: string): Promise<PatronRow> {
    const patron = await findPatronByCardOrCpr(trx, cprVault, municipality, identifier)
    if (!patron) throw new RefusalError('unknown-patron')
    return patron
  }

  async function requireItem(trx: Trx, municipality: string, barcode: string): Promise<ItemRow> {
    const item = await findItemByBarcode(trx, municipality, barcode, true)
    if (!item) throw new RefusalError('unknown-item')
    return item
  }

  async function refuseUnlessInGoodStanding(trx: Trx, patron: PatronRow): Promise<void> {
    const refusal = standingRefusal({
      cardLost: patron.cardLostAt !== null,
      blocked: await isBlocked(trx, patron.id),
    })
    if (refusal) throw new RefusalError(refusal)
  }

  /** The rules' answer to a check-out on what was read; throws the refusal. */
  function planCheckout(found: ItemForCheckout | undefined, input: CheckoutInput, at: Date) {
    if (!found) return null
    const {
      patronId,
      patronCardNumber,
      patronCardLostAt,
      patronBlocked,
      reservationId,
      reservationStatus,
      reservationItemId,
      ...item
    } = found
    if (patronId === null || patronCardNumber === null) throw new RefusalError('unknown-patron')
    const standing = standingRefusal({ cardLost: patronCardLostAt !== null, blocked: patronBlocked === true })
    if (standing && !input.noBlock) throw new RefusalError(standing)
    const today = localDateOf(at)
    const policy = policies.inForce(input.municipality, today)
    const rulesItem = loanItem(item)
    if (isReferenceOnly(policy, rulesItem) && !input.noBlock) throw new RefusalError('reference-only')
    const heldForThisPatron = reservationStatus === 'held' && reservationItemId === item.id
    const lendable = item.status === 'held' ? heldForThisPatron : item.status === 'available'
    if (!lendable && !input.noBlock) throw new RefusalError('not-available')
    return {
      item,
      patron: { id: patronId, cardNumber: patronCardNumber },
      reservation:
        reservationId === null
          ? null
          : { id: reservationId, status: reservationStatus, itemId: reservationItemId },
      heldForThisPatron,
      loan: {
        municipality: input.municipality,
        itemId: item.id,
        patronId,
        checkedOutAt: at,
        dueDate: dueDateFor(policy, rulesItem, today),
      },
    }
  }

  async function refuseUnknown(trx: Trx, input: CheckoutInput): Promise<never> {
    // Refusal order: an unknown patron before an unknown item.
    const patron = await findPatronByCardOrCpr(trx, cprVault, input.municipality, input.patron)
    throw new RefusalError(patron ? 'unknown-item' : 'unknown-patron')
  }

  /** Check-out in a transaction: the item is locked while the rules decide. */
  async function checkout(trx: Trx, input: CheckoutInput): Promise<CheckoutResult> {
    const at = input.at ?? clock.now()
    const plan = planCheckout(
      await findItemForCheckout(
        trx,
        input.municipality,
        input.item,
        input.patron,
        cprLookup(cprVault, input.patron),
        true,
      ),
      input,
      at,
    )
    if (!plan) return refuseUnknown(trx, input)
    if (input.noBlock && (plan.item.status === 'on-loan' || plan.item.status === 'lost')) {
      return checkoutOfflineWhileOnLoan(trx, input, plan.item, plan.patron, at)
    }
    if (input.noBlock && plan.item.status === 'held' && !plan.heldForThisPatron) {
      await trx
        .updateTable('reservations')
        .set({ status: 'waiting', itemId: null, heldAt: null, notifiedAt: null })
        .where('itemId', '=', plan.item.id)
        .where('status', '=', 'held')
        .execute()
    }
    const { reservation } = plan
    if (reservation) {
      // The patron collects a copy of a title they reserved; a copy held for them elsewhere goes to the next.
      await trx
        .updateTable('reservations')
        .set({ status: 'fulfilled' })
        .where('id', '=', reservation.id)
        .execute()
      if (reservation.status === 'held' && reservation.itemId !== null && !plan.heldForThisPatron) {
        const other = await trx
          .selectFrom('items')
          .selectAll()
          .where('id', '=', reservation.itemId)
          .forUpdate()
          .executeTakeFirstOrThrow()
        await shelveItem(trx, other, at)
      }
    }
    const loan = await insertLoanIfItemIs(trx, plan.item.status, plan.loan)
    if (!loan) throw new Error(`item ${plan.item.barcode} changed while locked`)
    return { loan, patron: plan.patron, item: { ...plan.item, status: 'on-loan' } }
  }

  /**
   * An offline check-out of an item laan still has on loan: the patron's own loan stands as it is; an item
   * on loan to another was evidently returned first, so it is checked in at the same moment, then lent.
   */
  async function checkoutOfflineWhileOnLoan(
    trx: Trx,
    input: CheckoutInput,
    item: ItemRow,
    patron: CheckoutResult['patron'],
    at: Date,
  ): Promise<CheckoutResult> {
    const own = await trx
      .selectFrom('loans')
      .selectAll()
      .where('itemId', '=', item.id)
      .where('patronId', '=', patron.id)
      .where('status', 'in', ['active', 'lost'])
      .executeTakeFirst()
    if (own) return { loan: own, patron, item }
    await checkin(trx, { municipality: input.municipality, item: input.item, at })
    return checkout(trx, input)
  }

  /**
   * Check-out without a transaction: one read and one write that applies only if the item is still as
   * read. Undefined when that cannot decide (the item changed meanwhile, or a reservation is collected):
   * run `checkout` in a transaction then. The busiest path in a library: half the round trips.
   */
  async function checkoutWithoutLocks(db: Trx, input: CheckoutInput): Promise<CheckoutResult | undefined> {
    const at = input.at ?? clock.now()
    const plan = planCheckout(
      await findItemForCheckout(
        db,
        input.municipality,
        input.item,
        input.patron,
        cprLookup(cprVault, input.patron),
        false,
      ),
      input,
      at,
    )
    if (!plan) return refuseUnknown(db, input)
    if (plan.reservation || input.noBlock) return undefined
    const loan = await insertLoanIfItemIs(db, plan.item.status, plan.loan)
    if (!loan) return undefined
    return { loan, patron: plan.patron, item: { ...plan.item, status: 'on-loan' } }
  }

  function splitOpenLoan(found: ItemWithOpenLoan | undefined) {
    if (!found) throw new RefusalError('unknown-item')
    const {
      loanId,
      loanStatus,
      loanPatronId,
      loanDueDate,
      loanCheckedOutAt: _checkedOutAt,
      loanRenewals: _renewals,
      patronBirthDate,
      patronCardNumber,
      ...item
    } = found
    if (loanId === null || loanStatus === null || loanPatronId === null || loanDueDate === null) {
      throw new RefusalError('not-on-loan')
    }
    const loan = { id: loanId, status: loanStatus, patronId: loanPatronId, dueDate: loanDueDate }
    return { item, loan, birthDate: patronBirthDate ?? '', cardNumber: patronCardNumber ?? '' }
  }

  function overdueOnReturn(input: CheckinInput, open: ReturnType<typeof splitOpenLoan>, at: Date) {
    const today = localDateOf(at)
    const policy = policies.inForce(input.municipality, today)
    const fee = overdueChargeFor(
      policy,
      {
        loanId: open.loan.id,
        municipality: input.municipality,
        patronId: open.loan.patronId,
        itemId: open.item.id,
        dueDate: open.loan.dueDate,
        birthDate: open.birthDate,
      },
      'return',
      today,
      at,
    )
    return { policy, today, fee }
  }

  async function shelve(
    trx: Trx,
    input: CheckinInput,
    open: ReturnType<typeof splitOpenLoan>,
    at: Date,
  ): Promise<Omit<CheckinResult, 'charges' | 'cancelledCharges' | 'refundedCharges'> | undefined> {
    const returned = await returnLoanAndShelveItem(
      trx,
      { ...open.loan, itemId: open.item.id, municipality: input.municipality, title: open.item.title },
      at,
    )
    if (!returned) return undefined
    return {
      loan: returned.loan,
      item: { ...open.item, status: returned.heldForPatronId === null ? 'available' : 'held' },
      patronCardNumber: open.cardNumber,
      heldForPatronId: returned.heldForPatronId,
      heldForCard: returned.heldForCard,
      wasLost: open.loan.status === 'lost',
    }
  }

  /** Check-in in a transaction: the loan and the item are locked while the rules decide. */
  async function checkin(trx: Trx, input: CheckinInput): Promise<CheckinResult> {
    const at = input.at ?? clock.now()
    const open = splitOpenLoan(await findItemWithOpenLoan(trx, input.municipality, input.item, true))
    const { policy, today, fee } = overdueOnReturn(input, open, at)
    const charges: ChargeRow[] = []
    const settled = { cancelledCharges: [] as number[], refundedCharges: [] as number[] }
    if (open.loan.status === 'active') {
      charges.push(...(await insertCharges(trx, fee ? [fee] : [])))
    } else {
      const loan = { id: open.loan.id, municipality: input.municipality, patronId: open.loan.patronId }
      await settleFoundItem(trx, policy, loan, today, at, input.receiptShown ?? true, settled)
    }
    const shelved = await shelve(trx, input, open, at)
    if (!shelved) throw new Error(`loan ${open.loan.id} changed while locked`)
    await handOver.chargesCreated(trx, input.municipality, charges, at)
    await handOver.chargesCancelled(trx, settled.cancelledCharges, at, 'Materialet er afleveret.')
    await handOver.chargesRefunded(trx, settled.refundedCharges, at, 'Materialet er fundet og afleveret.')
    // Only a new, cancelled or refunded charge changes the balance that blocks depend on.
    if (charges.length + settled.cancelledCharges.length + settled.refundedCharges.length > 0) {
      await evaluateFeeBlocks(trx, policies, input.municipality, [open.loan.patronId], at, false)
    }
    return { ...shelved, charges, ...settled }
  }

  /**
   * Check-in without a transaction, for the common case of an item back on time: one statement that closes
   * the loan only if it is still active and not yet due. Undefined for anything else (a fee, a lost item,
   * an unknown item, a loan changed meanwhile): run `checkin` in a transaction then.
   */
  async function checkinWithoutLocks(db: Trx, input: CheckinInput): Promise<CheckinResult | undefined> {
    const at = input.at ?? clock.now()
    const returned = await returnLoanIfOnTime(db, input.municipality, input.item, localDateOf(at), at)
    return returned && { ...returned, wasLost: false, charges: [], cancelledCharges: [], refundedCharges: [] }
  }

  /** A lost item comes back: unpaid replacement and processing fee are cancelled, a paid one refunded per policy. */
  async function settleFoundItem(
    trx: Trx,
    policy: Policy,
    loan: { id: number; municipality: string; patronId: number },
    today: string,
    at: Date,
    receiptShown: boolean,
    result: { cancelledCharges: number[]; refundedCharges: number[] },
  ): Promise<void> {
    const charges = await chargesOfLoan(trx, loan.id)
    const replacement = charges.find((c) => c.kind === 'replacement' && c.status !== 'cancelled')
    const replacementPaid = replacement?.status === 'paid'
    for (const charge of charges) {
      if (charge.kind !== 'replacement' && charge.kind !== 'processing-fee') continue
      if (charge.status === 'open' && !replacementPaid) {
        await trx
          .updateTable('charges')
          .set({ status: 'cancelled', settledAt: at })
          .where('id', '=', charge.id)
          .execute()
        if (charge.paid > 0) {
          await recordRefund(
            trx,
            loan,
            charge,
            at,
            'Delvist betalt erstatning annulleret, da materialet er afleveret.',
          )
        }
        result.cancelledCharges.push(charge.id)
      } else if (charge.kind === 'replacement' && charge.status === 'paid' && charge.settledAt) {
        const paidOn = localDateOf(charge.settledAt)
        if (
          refundsPaidReplacement(policy.foundItem.paidReplacementRefund.value, paidOn, today, receiptShown)
        ) {
          await trx.updateTable('charges').set({ status: 'refunded' }).where('id', '=', charge.id).execute()
          await recordRefund(
            trx,
            loan,
            charge,
            at,
            'Betalt erstatning refunderet, da materialet er fundet og afleveret.',
          )
          result.refundedCharges.push(charge.id)
        }
      }
    }
  }

  async function renew(
    trx: Trx,
    input: RenewInput,
  ): Promise<{ loan: LoanRow; charges: ChargeRow[]; item: ItemRow }> {
    const at = input.at ?? clock.now()
    const today = localDateOf(at)
    const found = await findItemWithOpenLoan(trx, input.municipality, input.item, true)
    if (!found) throw new RefusalError('unknown-item')
    const { loanId, loanStatus, loanPatronId, loanDueDate, loanRenewals, ...item } = found
    if (loanId === null || loanStatus !== 'active' || loanPatronId === null || loanDueDate === null) {
      throw new RefusalError('not-on-loan')
    }
    const loan = {
      id: loanId,
      municipality: input.municipality,
      dueDate: loanDueDate,
      renewals: loanRenewals ?? 0,
    }
    const patron = await trx
      .selectFrom('patrons')
      .selectAll()
      .where('id', '=', loanPatronId)
      .executeTakeFirstOrThrow()
    if (input.patron !== undefined) {
      const asking = await requirePatron(trx, input.municipality, input.patron)
      if (asking.id !== patron.id) throw new RefusalError('not-on-loan')
    }
    const policy = policies.inForce(input.municipality, today)
    const decision = decideRenewal(policy, loan, loanItem(item), {
      today,
      patron: { cardLost: patron.cardLostAt !== null, blocked: await isBlocked(trx, patron.id) },
      reservedByOthers: await hasWaitingReservationByOthers(trx, input.municipality, item.title, patron.id),
    })
    if (!decision.ok) throw new RefusalError(decision.refusal)
    const charges: ChargeRow[] = []
    if (decision.lateByDays > 0) {
      // 001: "Når du afleverer eller fornyer for sent, tilfalder der et gebyr."
      const fee = overdueChargeFor(
        policy,
        {
          loanId: loan.id,
          municipality: loan.municipality,
          patronId: patron.id,
          itemId: item.id,
          dueDate: loan.dueDate,
          birthDate: patron.birthDate,
        },
        'renewal',
        today,
        at,
      )
      charges.push(...(await insertCharges(trx, fee ? [fee] : [])))
    }
    const updated = await trx
      .updateTable('loans')
      .set({ dueDate: decision.newDueDate, renewals: loan.renewals + 1 })
      .where('id', '=', loan.id)
      .returningAll()
      .executeTakeFirstOrThrow()
    if (charges.length > 0) {
      await handOver.chargesCreated(trx, input.municipality, charges, at)
      await evaluateFeeBlocks(trx, policies, input.municipality, [patron.id], at, false)
    }
    return { loan: updated, charges, item }
  }

  async function reserve(trx: Trx, input: ReserveInput) {
    const at = input.at ?? clock.now()
    const patron = await requirePatron(trx, input.municipality, input.patron)
    const item = await requireItem(trx, input.municipality, input.item)
    await refuseUnlessInGoodStanding(trx, patron)
    const policy = policies.inForce(input.municipality, localDateOf(at))
    if (isReferenceOnly(policy, loanItem(item))) throw new RefusalError('reference-only')
    const existing = await openReservationOf(trx, input.municipality, item.title, patron.id)
    if (existing) return existing
    const reservation = await trx
      .insertInto('reservations')
      .values({ municipality: input.municipality, title: item.title, patronId: patron.id, createdAt: at })
      .onConflict((oc) =>
        oc.columns(['patronId', 'title']).where('status', 'in', ['waiting', 'held']).doNothing(),
      )
      .returningAll()
      .executeTakeFirst()
    // A concurrent request of the same patron reserved the title first.
    if (!reservation)
      return (await openReservationOf(trx, input.municipality, item.title, patron.id)) as ReservationRow
    const onShelf = await trx
      .selectFrom('items')
      .selectAll()
      .where('municipality', '=', input.municipality)
      .where('title', '=', item.title)
      .where('status', '=', 'available')
      .where('referenceOnly', '=', false)
      .orderBy('id')
      .forUpdate()
      .executeTakeFirst()
    if (onShelf) await shelveItem(trx, onShelf, at)
    return trx
      .selectFrom('reservations')
      .selectAll()
      .where('id', '=', reservation.id)
      .executeTakeFirstOrThrow()
  }

  async function cancelReservation(trx: Trx, input: ReserveInput) {
    const at = input.at ?? clock.now()
    const patron = await requirePatron(trx, input.municipality, input.patron)
    const item = await findItemByBarcode(trx, input.municipality, input.item)
    if (!item) throw new RefusalError('unknown-item')
    const reservation = await openReservationOf(trx, input.municipality, item.title, patron.id)
    if (!reservation) return null
    const cancelled = await trx
      .updateTable('reservations')
      .set({ status: 'cancelled' })
      .where('id', '=', reservation.id)
      .returningAll()
      .executeTakeFirstOrThrow()
    if (reservation.status === 'held' && reservation.itemId !== null) {
      const held = await trx
        .selectFrom('items')
        .selectAll()
        .where('id', '=', reservation.itemId)
        .forUpdate()
        .executeTakeFirstOrThrow()
      await shelveItem(trx, held, at)
    }
    return cancelled
  }

  async function reportCardLost(
    trx: Trx,
    input: { municipality: string; patron: string; at?: Date | undefined },
  ) {
    const at = input.at ?? clock.now()
    const patron = await requirePatron(trx, input.municipality, input.patron)
    if (patron.cardLostAt !== null) return patron
    // 002: the card is blocked at once; the patron is liable for misuse until reported. A card state, not a fee block.
    return trx
      .updateTable('patrons')
      .set({ cardLostAt: at })
      .where('id', '=', patron.id)
      .returningAll()
      .executeTakeFirstOrThrow()
  }

  return {
    checkout,
    checkoutWithoutLocks,
    checkin,
    checkinWithoutLocks,
    renew,
    reserve,
    cancelReservation,
    reportCardLost,
  }
}

export type CirculationService = ReturnType<typeof createCirculationService>
