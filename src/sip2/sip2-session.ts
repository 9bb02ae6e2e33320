// One SIP2 conversation's state and answers: the machine's account once logged in (93, or the FBS
// envelope's login), the last response (for 97), the PINs already checked, and the circulation behind every
// message through the same services as the HTTP routes. Each message runs in its own short transaction(s).
//
// Decisions:
// - A message that does not parse (bad checksum, too short a fixed part, unknown command, empty) gets 96.
// - Before a successful login every message but 93 and 97 gets 94 with ok 0 (not 96: a machine answers 96
//   by sending the same message again, forever; 94/0 tells it to log in). 01 gets no answer either way.
// - 97 sends the last response again (96 when there was none yet); every other response becomes the last.
// - The transaction time is the time of receipt (the services' clock), or the machine's own time for an
//   offline transaction (no block = Y with a transaction date), which is recorded once: replaying it again
//   gives the first answer and changes nothing.
// - A PIN (AD) is checked when the machine sends one; a wrong one refuses 11, 29, 65 and 15 and gives
//   CQ = N in 23 and 63. Offline transactions are not checked (the machine checked them).
// - 37 (fee paid) is never accepted: fees are paid to the municipality, not at a machine.
// - 01 (block patron: the machine kept the card) blocks the patron until staff lift it.

import { recordAudit } from '../audit/audit-log.ts'
import { runCheckin, runCheckout, runRenewAll } from '../circulation/circulation-edge.ts'
import type { CheckinResult } from '../circulation/circulation-service.ts'
import { RefusalError } from '../circulation/refusal.ts'
import type { PatronRow } from '../db/schema.ts'
import { cprLookup, findPatronByCardOrCpr } from '../patrons/patron-repository.ts'
import { checkPin } from '../patrons/pin-attempts.ts'
import type { Services } from '../services.ts'
import { addDays, formatDanishDate, localDateOf } from '../shared/time.ts'
import { formatFbsDatedItem, formatFbsUnrenewedItem } from './fbs-item-fields.ts'
import { type Sip2Account, verifySip2Account } from './sip2-accounts.ts'
import { agencyIdOf } from './sip2-agencies.ts'
import {
  dueInstant,
  itemDescription,
  itemPropertiesField,
  mediaTypeOf,
  patronInformationAnswer,
  patronStatusAnswer,
  type Sip2AnswerContext,
  type Sip2Dialect,
  sip2Text,
} from './sip2-answers.ts'
import type { Sip2Encoding } from './sip2-checksum.ts'
import {
  type BlockPatronRequest,
  type CheckinRequest,
  type CheckoutRequest,
  CIRCULATION_STATUS,
  FEE_TYPE,
  type FeePaidRequest,
  finishSip2Message,
  formatSip2Response,
  type HoldRequest,
  type ItemInformationRequest,
  parseSip2Request,
  type RenewAllRequest,
  type RenewRequest,
  SECURITY_MARKER,
  SIP2_CURRENCY,
  type Sip2ErrorDetection,
  type Sip2Request,
  type Sip2Response,
} from './sip2-messages.ts'
import type { Sip2Monitor } from './sip2-monitor.ts'
import { loadPatronAccount } from './sip2-patron-account.ts'
import {
  SIP2_ELSEWHERE_SORT_BIN,
  SIP2_FAILURE_MESSAGE,
  SIP2_FEE_PAID_MESSAGE,
  SIP2_HOLD_CANCELLED_MESSAGE,
  SIP2_HOLD_SHELF_MESSAGE,
  SIP2_HOLD_SHELF_SORT_BIN,
  SIP2_ILL_SORT_BIN,
  SIP2_NO_HOLD_MESSAGE,
  SIP2_REFUSAL_MESSAGES,
  SIP2_WRONG_PIN_MESSAGE,
  sip2HoldPlacedMessage,
  sip2IllReturnMessage,
  sip2RenewedMessage,
  sip2ReturnElsewhereMessage,
} from './sip2-screen-messages.ts'

const REQUEST_SC_RESEND = '96'

/** One message handled, for logs and the machine view: never the message's values (PINs, CPR numbers). */
export interface Sip2MessageLog {
  machine: string | null
  command: string
  /** The response's command, or null for none (01). */
  answer: string | null
  ms: number
  error?: string
}

export interface Sip2SessionOptions {
  /** Plain SIP2 over TCP (default) or the FBS dialect over HTTPS. */
  dialect?: Sip2Dialect
  /** The machine's account when the transport authenticated it (FBS envelope); no 93 then. */
  account?: Sip2Account
  /** Counts per machine for the staff view. */
  monitor?: Sip2Monitor
  /** Called when a message goes wrong in a way that is not the machine's fault (never with values). */
  onError?: (error: unknown) => void
  /** Called after each message (never with values). */
  onMessage?: (entry: Sip2MessageLog) => void
}

/** A request's error detection, to echo in the response. */
type Echo = Sip2ErrorDetection | null

export class Sip2Session {
  /** The machine's account after a successful 93 (or given by the transport); null before. */
  account: Sip2Account | null
  /** The last response sent (without terminator), for 97. */
  lastResponse: string | null = null
  /** The encoding of the last request: answer in it. */
  encoding: Sip2Encoding = 'utf8'
  private readonly dialect: Sip2Dialect
  /** PINs checked in this session: identifier + PIN → right or wrong (cleared at 35). */
  private readonly pins = new Map<string, boolean>()
  private failure: string | null = null

  constructor(
    private readonly services: Services,
    private readonly options: Sip2SessionOptions = {},
  ) {
    this.dialect = options.dialect ?? 'sip2'
    this.account = options.account ?? null
  }

  /** The response to one message (without terminator), or null when the message has none (01). */
  async handle(input: string | Uint8Array): Promise<string | null> {
    const started = performance.now()
    this.failure = null
    const parsed = parseSip2Request(input)
    let command = '??'
    let response: string | null
    if (!parsed.ok) {
      this.failure = `unparsable (${parsed.reason})`
      response = this.remember(REQUEST_SC_RESEND)
    } else {
      this.encoding = parsed.encoding
      command = commandOf(parsed.message)
      response = await this.answer(parsed.message, parsed.errorDetection)
    }
    const machine = this.account?.login ?? null
    if (machine !== null) this.options.monitor?.message(machine, this.services.clock.now(), this.failure)
    this.options.onMessage?.({
      machine,
      command,
      answer: response === null ? null : response.slice(0, 2),
      ms: Math.round((performance.now() - started) * 100) / 100,
      ...(this.failure === null ? {} : { error: this.failure }),
    })
    return response
  }

  private async answer(request: Sip2Request, echo: Echo): Promise<string | null> {
    if (request.type === 'request-resend') return this.lastResponse ?? REQUEST_SC_RESEND
    const format = (response: Sip2Response) => this.remember(this.format(response, echo))
    if (request.type === 'login') {
      if (this.options.account) return format({ type: 'login-response', ok: true })
      const previous = this.account?.login
      this.account = await verifySip2Account(this.services.db, request.loginUserId, request.loginPassword, {
        limiter: this.services.machineLogins,
        now: this.services.clock.now(),
      })
      if (this.account) {
        if (previous !== this.account.login) {
          if (previous) this.options.monitor?.disconnected(previous)
          this.options.monitor?.connected(this.account.login)
        }
        await this.services.db
          .updateTable('sip2Accounts')
          .set({ lastLoginAt: this.services.clock.now() })
          .where('login', '=', this.account.login)
          .execute()
      }
      return format({ type: 'login-response', ok: this.account !== null })
    }
    const account = this.account
    if (!account)
      return request.type === 'block-patron' ? null : format({ type: 'login-response', ok: false })
    const now = this.services.clock.now()
    const context = this.context(account, now)
    switch (request.type) {
      case 'sc-status':
        return format({
          type: 'acs-status',
          onlineStatus: true,
          checkinOk: true,
          checkoutOk: true,
          acsRenewalPolicy: true,
          statusUpdateOk: false,
          offlineOk: true,
          timeoutPeriod: 30,
          retriesAllowed: 3,
          dateTimeSync: now,
          protocolVersion: '2.00',
          institutionId: account.municipality,
          libraryName: sip2Text(context, context.libraryName),
          terminalLocation: account.location,
          supportedMessages: {
            patronStatusRequest: true,
            checkout: true,
            checkin: true,
            blockPatron: true,
            scAcsStatus: true,
            requestScAcsResend: true,
            login: true,
            patronInformation: true,
            endPatronSession: true,
            feePaid: true,
            itemInformation: true,
            hold: true,
            renew: true,
            renewAll: true,
          },
        })
      case 'patron-status': {
        const { patronAccount, pinOk } = await this.patronWithPin(account, request)
        return format(patronStatusAnswer(context, request, patronAccount, pinOk))
      }
      case 'patron-information': {
        const { patronAccount, pinOk } = await this.patronWithPin(account, request)
        return format(patronInformationAnswer(context, request, patronAccount, pinOk))
      }
      case 'end-patron-session':
        this.pins.clear()
        return format({
          type: 'end-session-response',
          endSession: true,
          transactionDate: now,
          institutionId: request.institutionId,
          patronIdentifier: request.patronIdentifier,
        })
      case 'checkout':
        if (isOffline(request)) {
          return this.remember(
            await this.offline(
              account,
              '11',
              request.itemIdentifier,
              request.patronIdentifier,
              request.transactionDate,
              echo,
              () => this.checkout(context, account, request, request.transactionDate ?? now),
            ),
          )
        }
        return format(await this.checkout(context, account, request, now))
      case 'checkin': {
        const returnedAt = request.returnDate ?? request.transactionDate
        if (request.noBlock && returnedAt) {
          return this.remember(
            await this.offline(account, '09', request.itemIdentifier, '', returnedAt, echo, () =>
              this.checkin(context, account, request, returnedAt),
            ),
          )
        }
        return format(await this.checkin(context, account, request, now))
      }
      case 'renew':
        if (isOffline(request)) {
          const at = request.transactionDate ?? now
          return this.remember(
            await this.offline(
              account,
              '29',
              request.itemIdentifier ?? '',
              request.patronIdentifier,
              at,
              echo,
              () => this.renew(context, account, request, at),
            ),
          )
        }
        return format(await this.renew(context, account, request, now))
      case 'renew-all':
        return format(await this.renewAll(context, account, request))
      case 'item-information':
        return format(await this.itemInformation(context, account, request))
      case 'hold':
        return format(await this.hold(context, account, request))
      case 'fee-paid':
        return format(feePaidAnswer(context, request))
      case 'block-patron':
        await this.blockPatron(account, request, now)
        return null
    }
  }

  private format(response: Sip2Response, echo: Echo): string {
    return formatSip2Response(response, { errorDetection: echo, encoding: this.encoding })
  }

  private remember(response: string): string {
    this.lastResponse = response
    return response
  }

  private context(account: Sip2Account, now: Date): Sip2AnswerContext {
    const policy = this.services.policies.inForce(account.municipality, localDateOf(now))
    return {
      dialect: this.dialect,
      now,
      agency: agencyIdOf(account.municipality),
      libraryName: policy.name,
      pickupDays: policy.reservations.pickupDays.value,
    }
  }

  /** The patron's account (23, 63) and whether the PIN sent with the request is right. */
  private async patronWithPin(
    account: Sip2Account,
    request: { patronIdentifier: string; patronPassword?: string },
  ) {
    const patronAccount = await loadPatronAccount(
      this.services.db,
      account.municipality,
      request.patronIdentifier,
      cprLookup(this.services.cprVault, request.patronIdentifier),
    )
    const pinOk = await this.pinOk(
      patronAccount?.patron ?? null,
      request.patronIdentifier,
      request.patronPassword,
    )
    return { patronAccount, pinOk }
  }

  /** Whether the PIN is right; undefined when the machine sent none. Remembered for the session. */
  private async pinOk(
    patron: PatronRow | null,
    identifier: string,
    pin: string | undefined,
  ): Promise<boolean | undefined> {
    if (pin === undefined || pin === '') return undefined
    if (!patron) return false
    const key = `${identifier}\u0000${pin}`
    const known = this.pins.get(key)
    if (known !== undefined) return known
    // Counted like the web login's PINs: 5 wrong in a row lock the PIN on every channel.
    const check = await checkPin(this.services.db, patron, pin, this.services.clock.now())
    if (!check.ok && check.reason === 'locked') return false
    this.pins.set(key, check.ok)
    return check.ok
  }

  /** Refuses with the wrong-PIN message when a PIN was sent and is wrong. */
  private async requirePin(municipality: string, identifier: string, pin: string | undefined): Promise<void> {
    if (pin === undefined || pin === '') return
    const patron = await findPatronByCardOrCpr(
      this.services.db,
      this.services.cprVault,
      municipality,
      identifier,
    )
    if (!patron) throw new RefusalError('unknown-patron')
    if (!(await this.pinOk(patron, identifier, pin))) throw new WrongPinError()
  }

  private screenMessageOf(context: Sip2AnswerContext, error: unknown): string[] {
    if (error instanceof RefusalError)
      return [sip2Text(context, SIP2_REFUSAL_MESSAGES[error.code] ?? error.messageDa)]
    if (error instanceof WrongPinError) return [sip2Text(context, SIP2_WRONG_PIN_MESSAGE)]
    this.failure = error instanceof Error ? error.name : 'failure'
    this.options.onError?.(error)
    return [sip2Text(context, SIP2_FAILURE_MESSAGE)]
  }

  /**
   * An offline transaction: run once and its answer recorded in the same transaction as its effect; a
   * replay gets the recorded answer. A refusal is recorded on its own (nothing else was written).
   */
  private async offline(
    account: Sip2Account,
    command: string,
    item: string,
    patron: string,
    transactionAt: Date | null,
    echo: Echo,
    run: () => Promise<Sip2Response>,
  ): Promise<string> {
    const { db, cprVault } = this.services
    // The record recognises a replay without holding who it was: the patron's identifier (a card or a CPR
    // number) as a keyed hash, and the answer without it (put back from the replayed request).
    const key = {
      login: account.login,
      command,
      item,
      patron: patron === '' ? '' : cprVault.identifierHash(patron),
      transactionAt: transactionAt ?? new Date(0),
    }
    const withoutPatron = (response: string) =>
      patron === '' ? response : response.split(`AA${patron}|`).join(`AA${PATRON_PLACEHOLDER}|`)
    const withPatron = (response: string) =>
      patron === '' ? response : response.split(`AA${PATRON_PLACEHOLDER}|`).join(`AA${patron}|`)
    const recorded = () =>
      db
        .selectFrom('sip2OfflineTransactions')
        .select('response')
        .where('login', '=', key.login)
        .where('command', '=', key.command)
        .where('item', '=', key.item)
        .where('patron', '=', key.patron)
        .where('transactionAt', '=', key.transactionAt)
        .executeTakeFirst()
    const earlier = await recorded()
    if (earlier)
      return finishSip2Message(withPatron(earlier.response), {
        errorDetection: echo,
        encoding: this.encoding,
      })
    const body = formatSip2Response(await run())
    const inserted = await db
      .insertInto('sip2OfflineTransactions')
      .values({ ...key, response: withoutPatron(body) })
      .onConflict((oc) => oc.doNothing())
      .returning('login')
      .executeTakeFirst()
    const stored = inserted ? undefined : (await recorded())?.response
    const answer = stored === undefined ? body : withPatron(stored)
    return finishSip2Message(answer, { errorDetection: echo, encoding: this.encoding })
  }

  private async checkout(
    context: Sip2AnswerContext,
    account: Sip2Account,
    request: CheckoutRequest,
    at: Date,
  ): Promise<Sip2Response> {
    const base = {
      type: 'checkout-response' as const,
      renewalOk: false,
      magneticMedia: 'U' as const,
      transactionDate: context.now,
      institutionId: request.institutionId,
      patronIdentifier: request.patronIdentifier,
      itemIdentifier: request.itemIdentifier,
    }
    try {
      if (!request.noBlock)
        await this.requirePin(account.municipality, request.patronIdentifier, request.patronPassword)
      const result = await runCheckout(this.services.db, this.services.circulation, {
        municipality: account.municipality,
        patron: request.patronIdentifier,
        item: request.itemIdentifier,
        at,
        noBlock: request.noBlock,
      })
      return {
        ...base,
        ok: true,
        desensitize: 'Y',
        titleIdentifier: sip2Text(context, result.item.title),
        dueDate: dueInstant(result.loan.dueDate),
        mediaType: mediaTypeOf(result.item.materialType),
        ...itemPropertiesField(context, result.item),
      }
    } catch (error) {
      return {
        ...base,
        ok: false,
        desensitize: 'N',
        titleIdentifier: '',
        screenMessage: this.screenMessageOf(context, error),
      }
    }
  }

  private async checkin(
    context: Sip2AnswerContext,
    account: Sip2Account,
    request: CheckinRequest,
    at: Date,
  ): Promise<Sip2Response> {
    const base = {
      type: 'checkin-response' as const,
      magneticMedia: 'U' as const,
      transactionDate: context.now,
      institutionId: request.institutionId,
      itemIdentifier: request.itemIdentifier,
      permanentLocation: account.location,
    }
    try {
      const result = await runCheckin(this.services.db, this.services.circulation, {
        municipality: account.municipality,
        item: request.itemIdentifier,
        at,
      })
      return {
        ...base,
        ok: true,
        ...checkinRouting(context, result),
        titleIdentifier: sip2Text(context, result.item.title),
        patronIdentifier: result.patronCardNumber,
        mediaType: mediaTypeOf(result.item.materialType),
        ...itemPropertiesField(context, result.item),
      }
    } catch (error) {
      if (error instanceof RefusalError && error.code === 'unknown-item') {
        const owner = await this.ownerElsewhere(account.municipality, request.itemIdentifier, at)
        if (owner) {
          return {
            ...base,
            ok: false,
            resensitize: 'N',
            alert: true,
            sortBin: SIP2_ELSEWHERE_SORT_BIN,
            screenMessage: [sip2Text(context, sip2ReturnElsewhereMessage(owner))],
          }
        }
      }
      // An offline return of an item laan does not have on loan: it is back, which is all there is to record.
      const offlineNotOnLoan =
        request.noBlock && error instanceof RefusalError && error.code === 'not-on-loan'
      return {
        ...base,
        ok: offlineNotOnLoan,
        resensitize: offlineNotOnLoan ? 'Y' : 'N',
        alert: false,
        screenMessage: this.screenMessageOf(context, error),
      }
    }
  }

  /** The library (policy name) of another municipality that owns the barcode, if one does. */
  private async ownerElsewhere(municipality: string, barcode: string, at: Date): Promise<string | null> {
    const owners = await this.services.db
      .selectFrom('items')
      .select('municipality')
      .where('barcode', '=', barcode)
      .where('municipality', '<>', municipality)
      .limit(1)
      .execute()
    const owner = owners[0]?.municipality
    if (owner === undefined || !this.services.policies.has(owner)) return null
    return this.services.policies.inForce(owner, localDateOf(at)).name
  }

  private async renew(
    context: Sip2AnswerContext,
    account: Sip2Account,
    request: RenewRequest,
    at: Date,
  ): Promise<Sip2Response> {
    const base = {
      type: 'renew-response' as const,
      magneticMedia: 'U' as const,
      transactionDate: context.now,
      institutionId: request.institutionId,
      patronIdentifier: request.patronIdentifier,
      itemIdentifier: request.itemIdentifier ?? '',
    }
    try {
      if (!request.noBlock)
        await this.requirePin(account.municipality, request.patronIdentifier, request.patronPassword)
      if (!request.itemIdentifier) throw new RefusalError('unknown-item')
      const item = request.itemIdentifier
      const {
        loan,
        charges,
        item: found,
      } = await this.services.db.transaction().execute((trx) =>
        this.services.circulation.renew(trx, {
          municipality: account.municipality,
          item,
          patron: request.patronIdentifier,
          at,
        }),
      )
      const fee = charges.reduce((sum, c) => sum + c.amount, 0)
      return {
        ...base,
        ok: true,
        renewalOk: true,
        desensitize: 'Y',
        titleIdentifier: sip2Text(context, found.title),
        dueDate: dueInstant(loan.dueDate),
        mediaType: mediaTypeOf(found.materialType),
        ...(fee > 0 ? { feeType: FEE_TYPE.overdue, currencyType: SIP2_CURRENCY, feeAmount: fee } : {}),
        ...itemPropertiesField(context, found),
        screenMessage: [sip2Text(context, sip2RenewedMessage(formatDanishDate(loan.dueDate)))],
      }
    } catch (error) {
      return {
        ...base,
        ok: false,
        renewalOk: false,
        desensitize: 'N',
        titleIdentifier: '',
        screenMessage: this.screenMessageOf(context, error),
      }
    }
  }

  private async renewAll(
    context: Sip2AnswerContext,
    account: Sip2Account,
    request: RenewAllRequest,
  ): Promise<Sip2Response> {
    const base = {
      type: 'renew-all-response' as const,
      transactionDate: context.now,
      institutionId: request.institutionId,
    }
    try {
      await this.requirePin(account.municipality, request.patronIdentifier, request.patronPassword)
      const patronAccount = await loadPatronAccount(
        this.services.db,
        account.municipality,
        request.patronIdentifier,
        cprLookup(this.services.cprVault, request.patronIdentifier),
      )
      if (!patronAccount) throw new RefusalError('unknown-patron')
      const active = patronAccount.loans.filter((l) => l.status === 'active')
      const outcomes = await runRenewAll(this.services.db, this.services.circulation, {
        municipality: account.municipality,
        patron: request.patronIdentifier,
        items: active.map((l) => l.barcode),
        at: context.now,
      })
      const renewed: string[] = []
      const unrenewed: string[] = []
      outcomes.forEach((outcome, index) => {
        const loan = active[index] as (typeof active)[number]
        if (outcome.ok) {
          renewed.push(
            context.dialect === 'fbs'
              ? formatFbsDatedItem({
                  barcode: loan.barcode,
                  date: dueInstant(outcome.loan.dueDate),
                  ...itemDescription(loan),
                })
              : loan.barcode,
          )
        } else {
          unrenewed.push(
            context.dialect === 'fbs'
              ? formatFbsUnrenewedItem({
                  barcode: loan.barcode,
                  reason: SIP2_REFUSAL_MESSAGES[outcome.refusal.code],
                  dueDate: dueInstant(loan.dueDate),
                  ...itemDescription(loan),
                })
              : loan.barcode,
          )
        }
      })
      return {
        ...base,
        ok: true,
        renewedCount: renewed.length,
        unrenewedCount: unrenewed.length,
        renewedItems: renewed,
        unrenewedItems: unrenewed,
        screenMessage: [
          sip2Text(context, `${renewed.length} lån fornyet, ${unrenewed.length} kunne ikke fornys.`),
        ],
      }
    } catch (error) {
      return {
        ...base,
        ok: false,
        renewedCount: 0,
        unrenewedCount: 0,
        screenMessage: this.screenMessageOf(context, error),
      }
    }
  }

  private async itemInformation(
    context: Sip2AnswerContext,
    account: Sip2Account,
    request: ItemInformationRequest,
  ): Promise<Sip2Response> {
    const { db } = this.services
    const item = await db
      .selectFrom('items')
      .selectAll()
      .where('municipality', '=', account.municipality)
      .where('barcode', '=', request.itemIdentifier)
      .executeTakeFirst()
    const base = {
      type: 'item-information-response' as const,
      securityMarker: SECURITY_MARKER.other,
      feeType: FEE_TYPE.other,
      transactionDate: context.now,
      itemIdentifier: request.itemIdentifier,
    }
    if (!item) {
      return {
        ...base,
        circulationStatus: CIRCULATION_STATUS.other,
        titleIdentifier: '',
        screenMessage: [sip2Text(context, SIP2_REFUSAL_MESSAGES['unknown-item'])],
      }
    }
    const [loan, queue, held] = await Promise.all([
      db
        .selectFrom('loans')
        .select('dueDate')
        .where('itemId', '=', item.id)
        .where('status', 'in', ['active', 'lost'])
        .executeTakeFirst(),
      db
        .selectFrom('reservations')
        .select((eb) => eb.fn.countAll<string>().as('count'))
        .where('municipality', '=', account.municipality)
        .where('title', '=', item.title)
        .where('status', '=', 'waiting')
        .executeTakeFirstOrThrow(),
      db
        .selectFrom('reservations')
        .select('heldAt')
        .where('itemId', '=', item.id)
        .where('status', '=', 'held')
        .executeTakeFirst(),
    ])
    const heldOn = held?.heldAt ? localDateOf(held.heldAt) : null
    return {
      ...base,
      circulationStatus: circulationStatusOf(item.status),
      holdQueueLength: Number(queue.count),
      ...(loan ? { dueDate: dueInstant(loan.dueDate) } : {}),
      ...(heldOn ? { holdPickupDate: dueInstant(addDays(heldOn, context.pickupDays)) } : {}),
      titleIdentifier: sip2Text(context, item.title),
      owner: sip2Text(context, context.libraryName),
      mediaType: mediaTypeOf(item.materialType),
      permanentLocation: account.location,
      currentLocation: account.location,
      ...itemPropertiesField(context, item),
    }
  }

  private async hold(
    context: Sip2AnswerContext,
    account: Sip2Account,
    request: HoldRequest,
  ): Promise<Sip2Response> {
    const { db, circulation } = this.services
    const base = {
      type: 'hold-response' as const,
      transactionDate: context.now,
      institutionId: request.institutionId,
      patronIdentifier: request.patronIdentifier,
      ...(request.itemIdentifier ? { itemIdentifier: request.itemIdentifier } : {}),
    }
    try {
      await this.requirePin(account.municipality, request.patronIdentifier, request.patronPassword)
      const barcode = await this.holdItem(account.municipality, request)
      const input = {
        municipality: account.municipality,
        patron: request.patronIdentifier,
        item: barcode,
        at: context.now,
      }
      const pickupLocation = sip2Text(context, `${context.agency} - ${context.libraryName}`)
      if (request.holdMode === '-') {
        const cancelled = await db.transaction().execute((trx) => circulation.cancelReservation(trx, input))
        return {
          ...base,
          ok: cancelled !== null,
          available: false,
          screenMessage: [sip2Text(context, cancelled ? SIP2_HOLD_CANCELLED_MESSAGE : SIP2_NO_HOLD_MESSAGE)],
        }
      }
      const reservation =
        request.holdMode === '*'
          ? await db.transaction().execute(async (trx) => {
              const patron = await findPatronByCardOrCpr(
                trx,
                this.services.cprVault,
                input.municipality,
                input.patron,
              )
              if (!patron) throw new RefusalError('unknown-patron')
              return (
                (await trx
                  .selectFrom('reservations')
                  .innerJoin('items', (join) =>
                    join
                      .onRef('items.title', '=', 'reservations.title')
                      .onRef('items.municipality', '=', 'reservations.municipality'),
                  )
                  .selectAll('reservations')
                  .where('items.barcode', '=', barcode)
                  .where('items.municipality', '=', input.municipality)
                  .where('reservations.patronId', '=', patron.id)
                  .where('reservations.status', 'in', ['waiting', 'held'])
                  .executeTakeFirst()) ?? null
              )
            })
          : await db.transaction().execute((trx) => circulation.reserve(trx, input))
      if (!reservation) {
        return {
          ...base,
          ok: false,
          available: false,
          screenMessage: [sip2Text(context, SIP2_NO_HOLD_MESSAGE)],
        }
      }
      const ahead = await db
        .selectFrom('reservations')
        .select((eb) => eb.fn.countAll<string>().as('count'))
        .where('municipality', '=', reservation.municipality)
        .where('title', '=', reservation.title)
        .where('status', '=', 'waiting')
        .where((eb) =>
          eb.or([
            eb('createdAt', '<', reservation.createdAt),
            eb.and([eb('createdAt', '=', reservation.createdAt), eb('id', '<=', reservation.id)]),
          ]),
        )
        .executeTakeFirstOrThrow()
      const available = reservation.status === 'held'
      const position = available ? 0 : Number(ahead.count)
      const heldOn = reservation.heldAt ? localDateOf(reservation.heldAt) : null
      return {
        ...base,
        ok: true,
        available,
        ...(heldOn ? { expirationDate: dueInstant(addDays(heldOn, context.pickupDays)) } : {}),
        queuePosition: position,
        pickupLocation,
        titleIdentifier: sip2Text(context, reservation.title),
        screenMessage: [sip2Text(context, sip2HoldPlacedMessage(position))],
      }
    } catch (error) {
      return { ...base, ok: false, available: false, screenMessage: this.screenMessageOf(context, error) }
    }
  }

  /** The copy a hold names: the item (AB), else a copy of the title (AJ). */
  private async holdItem(municipality: string, request: HoldRequest): Promise<string> {
    if (request.itemIdentifier) return request.itemIdentifier
    if (!request.titleIdentifier) throw new RefusalError('unknown-item')
    const copy = await this.services.db
      .selectFrom('items')
      .select('barcode')
      .where('municipality', '=', municipality)
      .where('title', '=', request.titleIdentifier)
      .orderBy('id')
      .limit(1)
      .executeTakeFirst()
    if (!copy) throw new RefusalError('unknown-item')
    return copy.barcode
  }

  /** 01: the machine kept the card; the patron is blocked until staff lift it (once, however often sent). */
  private async blockPatron(account: Sip2Account, request: BlockPatronRequest, now: Date): Promise<void> {
    await this.services.db.transaction().execute(async (trx) => {
      const patron = await findPatronByCardOrCpr(
        trx,
        this.services.cprVault,
        account.municipality,
        request.patronIdentifier,
      )
      if (!patron) return
      await trx.selectFrom('patrons').select('id').where('id', '=', patron.id).forUpdate().execute()
      const existing = await trx
        .selectFrom('blocks')
        .select('id')
        .where('patronId', '=', patron.id)
        .where('reason', '=', 'staff')
        .where('untilAt', 'is', null)
        .executeTakeFirst()
      if (existing) return
      const block = await trx
        .insertInto('blocks')
        .values({ municipality: account.municipality, patronId: patron.id, reason: 'staff', fromAt: now })
        .returning('id')
        .executeTakeFirstOrThrow()
      await recordAudit(trx, {
        municipality: account.municipality,
        at: now,
        actor: { kind: 'machine', name: account.login },
        action: 'patron-blocked',
        patronId: patron.id,
        blockId: block.id,
        reason: request.blockedCardMessage || null,
        details: { location: account.location, sip2: '01' },
      })
    })
  }
}

/** Stands for the patron's identifier in a recorded offline answer. */
const PATRON_PLACEHOLDER = '{patron}'

class WrongPinError extends Error {
  override name = 'WrongPinError'
}

function isOffline(request: CheckoutRequest | RenewRequest): boolean {
  return request.noBlock && request.transactionDate !== null
}

function commandOf(request: Sip2Request): string {
  return COMMANDS[request.type]
}

const COMMANDS: Record<Sip2Request['type'], string> = {
  login: '93',
  'sc-status': '99',
  'patron-status': '23',
  'patron-information': '63',
  checkout: '11',
  checkin: '09',
  renew: '29',
  'renew-all': '65',
  'item-information': '17',
  hold: '15',
  'fee-paid': '37',
  'end-patron-session': '35',
  'block-patron': '01',
  'request-resend': '97',
}

/** Where a returned item goes: the hold shelf, back to the library that lent it (ILL), or the shelf. */
function checkinRouting(
  context: Sip2AnswerContext,
  result: CheckinResult,
): { resensitize: 'Y' | 'N'; alert: boolean; sortBin?: string; screenMessage?: string[] } {
  if (result.heldForCard !== null) {
    return {
      resensitize: 'N',
      alert: true,
      sortBin: SIP2_HOLD_SHELF_SORT_BIN,
      screenMessage: [sip2Text(context, SIP2_HOLD_SHELF_MESSAGE)],
    }
  }
  if (result.item.illLendingLibrary !== null) {
    return {
      resensitize: 'N',
      alert: true,
      sortBin: sip2Text(context, SIP2_ILL_SORT_BIN),
      screenMessage: [sip2Text(context, sip2IllReturnMessage(result.item.illLendingLibrary))],
    }
  }
  return { resensitize: 'Y', alert: false }
}

function circulationStatusOf(status: string): string {
  switch (status) {
    case 'available':
      return CIRCULATION_STATUS.available
    case 'on-loan':
      return CIRCULATION_STATUS.charged
    case 'held':
      return CIRCULATION_STATUS.waitingOnHoldShelf
    case 'lost':
      return CIRCULATION_STATUS.lost
    default:
      return CIRCULATION_STATUS.other
  }
}

function feePaidAnswer(context: Sip2AnswerContext, request: FeePaidRequest): Sip2Response {
  return {
    type: 'fee-paid-response',
    paymentAccepted: false,
    transactionDate: context.now,
    institutionId: request.institutionId,
    patronIdentifier: request.patronIdentifier,
    ...(request.transactionId ? { transactionId: request.transactionId } : {}),
    screenMessage: [sip2Text(context, SIP2_FEE_PAID_MESSAGE)],
  }
}
