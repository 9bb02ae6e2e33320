import { type Static, Type } from '@sinclair/typebox'
import type { Kysely } from 'kysely'
import { openLoansOf, openReservationsOf } from '../circulation/loan-queries.ts'
import type { Database, PatronRow } from '../db/schema.ts'
import { chargeViews } from '../fees/charge-queries.ts'
import type { FeeService } from '../fees/fee-service.ts'
import { ChargeView, Instant, LoanView, LocalDateString, Ore, ReservationView } from '../http/schemas.ts'
import { ageOn, formatLocalInstant, type LocalDate } from '../shared/time.ts'

type Trx = Kysely<Database>

const BLOCK_REASONS_DA: Record<string, string> = {
  fees: 'Blokeret, fordi gælden til biblioteket er for stor.',
  exclusion: 'Udelukket fra at låne, indtil gælden er betalt.',
  staff: 'Udelukket af personalet.',
}

export const PatronView = Type.Object({
  cardNumber: Type.String(),
  name: Type.String(),
  birthDate: LocalDateString,
  child: Type.Boolean({ description: 'under 18 today' }),
  registeredWithCpr: Type.Boolean(),
  email: Type.Union([Type.String(), Type.Null()]),
  phone: Type.Union([Type.String(), Type.Null()]),
  remindersOptIn: Type.Boolean(),
  digitalPost: Type.Boolean({ description: 'false: exempt from Digital Post, letters by post' }),
  noticeChannels: Type.Union([Type.Array(Type.String()), Type.Null()], {
    description: 'email and/or sms; null: e-mail when given, else SMS',
  }),
  language: Type.String({ description: 'da or en' }),
  emailBounced: Type.Boolean({ description: 'the e-mail address bounced: notices go by SMS or in writing' }),
  guardian: Type.Union([
    Type.String({ description: 'card number of the economically responsible adult' }),
    Type.Null(),
  ]),
  dependants: Type.Array(Type.String(), {
    description: 'card numbers of the children this patron is responsible for',
  }),
  cardLost: Type.Boolean(),
  cardLostAt: Type.Union([Instant, Type.Null()]),
  blocked: Type.Boolean(),
  blocks: Type.Array(Type.Object({ reason: Type.String(), reasonDa: Type.String(), from: Instant })),
  exclusionWarning: Type.Union([Type.Object({ warnedOn: LocalDateString }), Type.Null()]),
  loans: Type.Array(LoanView),
  reservations: Type.Array(ReservationView),
  charges: Type.Array(ChargeView),
  balance: Type.Integer({ description: 'what the patron owes now, øre' }),
  credit: Ore,
})
export type PatronViewData = Static<typeof PatronView>

async function cardNumberOf(trx: Trx, patronId: number | null): Promise<string | null> {
  if (patronId === null) return null
  const row = await trx
    .selectFrom('patrons')
    .select('cardNumber')
    .where('id', '=', patronId)
    .executeTakeFirst()
  return row?.cardNumber ?? null
}

async function standingOf(trx: Trx, patronId: number) {
  const blocks = await trx
    .selectFrom('blocks')
    .select(['reason', 'fromAt'])
    .where('patronId', '=', patronId)
    .where('untilAt', 'is', null)
    .orderBy('id')
    .execute()
  const warning = await trx
    .selectFrom('exclusionWarnings')
    .select('warnedOn')
    .where('patronId', '=', patronId)
    .where('status', '=', 'pending')
    .orderBy('id', 'desc')
    .executeTakeFirst()
  return {
    blocked: blocks.length > 0,
    blocks: blocks.map((b) => ({
      reason: b.reason,
      reasonDa: BLOCK_REASONS_DA[b.reason] ?? b.reason,
      from: formatLocalInstant(b.fromAt),
    })),
    exclusionWarning: warning ? { warnedOn: warning.warnedOn } : null,
  }
}

/** Everything staff see about one patron: loans, reservations, charges with their Danish explanations. */
export async function patronView(
  trx: Trx,
  fees: FeeService,
  patron: PatronRow,
  today: LocalDate,
): Promise<PatronViewData> {
  const account = await fees.account(trx, patron.municipality, patron.cardNumber)
  const dependants = await trx
    .selectFrom('patrons')
    .select('cardNumber')
    .where('guardianId', '=', patron.id)
    .orderBy('cardNumber')
    .execute()
  return {
    cardNumber: patron.cardNumber,
    name: patron.name,
    birthDate: patron.birthDate,
    child: ageOn(patron.birthDate, today) < 18,
    registeredWithCpr: patron.cprHash !== null,
    email: patron.email,
    phone: patron.phone,
    remindersOptIn: patron.remindersOptIn,
    digitalPost: patron.digitalPost,
    noticeChannels: patron.noticeChannels,
    language: patron.language,
    emailBounced: patron.emailBouncedAt !== null,
    guardian: await cardNumberOf(trx, patron.guardianId),
    dependants: dependants.map((d) => d.cardNumber),
    cardLost: patron.cardLostAt !== null,
    cardLostAt: patron.cardLostAt === null ? null : formatLocalInstant(patron.cardLostAt),
    ...(await standingOf(trx, patron.id)),
    loans: await openLoansOf(trx, patron.id),
    reservations: await openReservationsOf(trx, patron.id),
    charges: await chargeViews(trx, account.charges),
    balance: account.balance,
    credit: account.credit,
  }
}
