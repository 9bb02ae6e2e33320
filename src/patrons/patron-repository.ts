import { type Kysely, sql } from 'kysely'
import type { Database, NewPatron, PatronRow } from '../db/schema.ts'
import type { CprVault } from './cpr-vault.ts'

type Trx = Kysely<Database>

export async function insertPatron(trx: Trx, patron: NewPatron): Promise<PatronRow> {
  return trx.insertInto('patrons').values(patron).returningAll().executeTakeFirstOrThrow()
}

export async function findPatronByCard(
  trx: Trx,
  municipality: string,
  cardNumber: string,
): Promise<PatronRow | undefined> {
  return trx
    .selectFrom('patrons')
    .selectAll()
    .where('municipality', '=', municipality)
    .where('cardNumber', '=', cardNumber)
    .executeTakeFirst()
}

/** One patron with every stored field (the CPR number as the application reads it). */
export async function findPatronById(trx: Trx, patronId: number): Promise<PatronRow | undefined> {
  return trx.selectFrom('patrons').selectAll().where('id', '=', patronId).executeTakeFirst()
}

/**
 * The look-up hash of what a patron identifies with, at the desk or a machine, when it can be a CPR number
 * (DDMMYYSSSS or DDMMYY-SSSS); otherwise a value no hash equals, so SQL can compare without a null case.
 */
export function cprLookup(vault: CprVault, identifier: string): string {
  return vault.lookupHash(identifier) ?? '-'
}

/** Card or CPR number, as a patron identifies at the desk or a machine; a card number wins. */
export async function findPatronByCardOrCpr(
  trx: Trx,
  vault: CprVault,
  municipality: string,
  identifier: string,
): Promise<PatronRow | undefined> {
  return trx
    .selectFrom('patrons')
    .selectAll()
    .where('municipality', '=', municipality)
    .where((eb) =>
      eb.or([eb('cardNumber', '=', identifier), eb('cprHash', '=', cprLookup(vault, identifier))]),
    )
    .orderBy(sql`card_number = ${identifier}`, 'desc')
    .limit(1)
    .executeTakeFirst()
}

export async function isBlocked(trx: Trx, patronId: number): Promise<boolean> {
  const row = await trx
    .selectFrom('blocks')
    .select('id')
    .where('patronId', '=', patronId)
    .where('untilAt', 'is', null)
    .executeTakeFirst()
  return row !== undefined
}
