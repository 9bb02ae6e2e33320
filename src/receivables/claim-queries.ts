import type { Kysely } from 'kysely'
import type { ClaimRow, Database, DebtorRow } from '../db/schema.ts'
import type { CprVault } from '../patrons/cpr-vault.ts'
import { cprLookup } from '../patrons/patron-repository.ts'
import type { Ore } from '../shared/money.ts'
import { formatLocalInstant, type LocalDate } from '../shared/time.ts'
import { paymentLine } from './fik.ts'
import type { ReceivablesPolicy } from './receivables-policy.ts'

type Trx = Kysely<Database>

export interface ContactView {
  about: 'payment' | 'reason' | 'complaint'
  who: string
  phone: string | null
  web: string | null
}

export interface ClaimView {
  id: number
  paymentId: string
  paymentLine: string
  issuer: { code: string; name: string; phone: string | null }
  legalKind: 'public' | 'civil'
  title: string
  amount: Ore
  paid: Ore
  open: Ore
  date: LocalDate
  deadline: LocalDate | null
  status: string
  holdReason: string | null
  lines: { id: number; kind: string; text: string; amount: Ore; paid: Ore; status: string }[]
  bills: {
    kind: string
    letterNumber: number
    date: LocalDate
    channel: string
    amount: Ore
    fee: Ore
    deadline: LocalDate
  }[]
  history: { at: string; kind: string; detail: Record<string, unknown> }[]
  /** Whom to ask about what (seed 000): the payment → the finance office; the reason and complaints → the issuer. */
  contacts: ContactView[]
}

/** The citizen (a library patron by card or CPR number, or anyone by CPR) whose claims are asked for. */
export async function findDebtor(
  trx: Trx,
  vault: CprVault,
  municipality: string,
  citizen: string,
): Promise<DebtorRow | undefined> {
  const cprHash = cprLookup(vault, citizen)
  const byPatron = await trx
    .selectFrom('debtors')
    .innerJoin('patrons', 'patrons.id', 'debtors.patronId')
    .selectAll('debtors')
    .where('debtors.municipality', '=', municipality)
    .where((eb) => eb.or([eb('patrons.cardNumber', '=', citizen), eb('patrons.cprHash', '=', cprHash)]))
    .executeTakeFirst()
  if (byPatron) return byPatron
  return trx
    .selectFrom('debtors')
    .selectAll()
    .where('municipality', '=', municipality)
    .where('cprHash', '=', cprHash)
    .executeTakeFirst()
}

export async function claimViews(
  trx: Trx,
  policy: ReceivablesPolicy,
  claims: readonly ClaimRow[],
): Promise<ClaimView[]> {
  if (claims.length === 0) return []
  const ids = claims.map((c) => c.id)
  const issuers = await trx
    .selectFrom('issuers')
    .selectAll()
    .where(
      'id',
      'in',
      claims.map((c) => c.issuerId),
    )
    .execute()
  const lines = await trx
    .selectFrom('claimLines')
    .selectAll()
    .where('claimId', 'in', ids)
    .orderBy('id')
    .execute()
  const bills = await trx.selectFrom('bills').selectAll().where('claimId', 'in', ids).orderBy('id').execute()
  const events = await trx
    .selectFrom('claimEvents')
    .selectAll()
    .where('claimId', 'in', ids)
    .orderBy('id')
    .execute()
  const contact = (
    about: ContactView['about'],
    c: { who: string; phone?: string | undefined; web?: string | undefined },
  ) => ({
    about,
    who: c.who,
    phone: c.phone ?? null,
    web: c.web ?? null,
  })
  return claims.map((claim) => {
    const issuer = issuers.find((i) => i.id === claim.issuerId)
    const issuerContact = { who: issuer?.name ?? '', phone: issuer?.phone ?? undefined }
    return {
      id: claim.id,
      paymentId: claim.paymentId,
      paymentLine: paymentLine(claim.paymentId, policy.creditorNumber.value),
      issuer: { code: issuer?.code ?? '', name: issuer?.name ?? '', phone: issuer?.phone ?? null },
      legalKind: claim.legalKind,
      title: claim.title,
      amount: claim.amount,
      paid: claim.paid,
      open: claim.status === 'cancelled' ? 0 : claim.amount - claim.paid,
      date: claim.claimDate,
      deadline: claim.deadline,
      status: claim.status,
      holdReason: claim.holdReason,
      lines: lines
        .filter((l) => l.claimId === claim.id)
        .map((l) => ({
          id: l.id,
          kind: l.kind,
          text: l.text,
          amount: l.amount,
          paid: l.paid,
          status: l.status,
        })),
      bills: bills
        .filter((b) => b.claimId === claim.id)
        .map((b) => ({
          kind: b.kind,
          letterNumber: b.letterNumber,
          date: b.sentOn,
          channel: b.channel,
          amount: b.amount,
          fee: b.fee,
          deadline: b.deadline,
        })),
      history: events
        .filter((e) => e.claimId === claim.id)
        .map((e) => ({
          at: formatLocalInstant(e.at),
          kind: e.kind,
          detail: e.detail as unknown as Record<string, unknown>,
        })),
      contacts: issuer?.isLibrary
        ? [
            contact('payment', policy.contacts.payment.value),
            contact('reason', policy.contacts.reason.value),
            contact('complaint', policy.contacts.complaint.value),
          ]
        : [
            contact('payment', policy.contacts.payment.value),
            contact('reason', issuerContact),
            contact('complaint', issuerContact),
          ],
    }
  })
}

/** A citizen's overview: every claim from every issuer, newest first, what is open, and credit owed back. */
export async function overviewOf(trx: Trx, policy: ReceivablesPolicy, debtor: DebtorRow) {
  const claims = await trx
    .selectFrom('claims')
    .selectAll()
    .where('debtorId', '=', debtor.id)
    .orderBy('claimDate', 'desc')
    .orderBy('id', 'desc')
    .execute()
  const payouts = await trx
    .selectFrom('payouts')
    .select(['amount', 'reason', 'createdOn', 'dueOn', 'status', 'paidOutOn'])
    .where('debtorId', '=', debtor.id)
    .orderBy('id')
    .execute()
  const views = await claimViews(trx, policy, claims)
  return {
    debtor: { name: debtor.name, digitalPost: debtor.digitalPost },
    open: views
      .filter((c) => ['open', 'held', 'transferred'].includes(c.status))
      .reduce((s, c) => s + c.open, 0),
    credit: debtor.credit,
    claims: views,
    payouts,
  }
}
