import { sql } from 'kysely'
import type { Db } from '../db/database.ts'
import { DROP_EMPTY_PLAINTEXT_CPR } from '../db/migrations/0013-cpr-protection.ts'
import type { CprVault } from './cpr-vault.ts'

const TABLES = [
  { table: 'patrons', key: 'id', type: 'integer' },
  { table: 'debtors', key: 'id', type: 'integer' },
  { table: 'verified_identities', key: 'token_hash', type: 'text' },
  { table: 'pending_registrations', key: 'id', type: 'integer' },
] as const

const BATCH = 5000

/**
 * Encrypts and hashes the plaintext CPR numbers a data folder from before migration 0013 still holds, then
 * drops the plaintext columns. Run at every start (a no-op once the columns are gone); one transaction,
 * so a failure leaves the plaintext where it was and nothing is lost. Returns the number of rows sealed.
 */
export async function sealPlaintextCpr(db: Db, vault: CprVault): Promise<number> {
  const { rows } = await sql<{ table: string }>`
    select table_name as "table" from information_schema.columns
    where table_schema = current_schema() and column_name = 'cpr'
      and table_name in ('patrons', 'debtors', 'verified_identities', 'pending_registrations')
  `.execute(db)
  if (rows.length === 0) return 0
  const withPlaintext = new Set(rows.map((r) => r.table))
  return db.transaction().execute(async (trx) => {
    let sealed = 0
    if (withPlaintext.has('patrons')) {
      // Older versions made the CPR number the card number of a patron registered by CPR alone.
      await sql`
        update patrons set card_number = '9' || lpad(floor(random() * 100000000000)::bigint::text, 11, '0')
        where cpr is not null and card_number = cpr
      `.execute(trx)
    }
    for (const { table, key, type } of TABLES) {
      if (!withPlaintext.has(table)) continue
      for (;;) {
        const plain = await sql<{ key: string; cpr: string }>`
          select ${sql.ref(key)}::text as key, cpr from ${sql.table(table)} where cpr is not null
          limit ${BATCH} for update
        `.execute(trx)
        if (plain.rows.length === 0) break
        await sql`
          update ${sql.table(table)} t
          set cpr_hash = v.hash, cpr_encrypted = v.encrypted, cpr = null
          from unnest(${plain.rows.map((r) => r.key)}::text[], ${plain.rows.map((r) => vault.hash(r.cpr))}::text[],
                      ${plain.rows.map((r) => vault.encrypt(r.cpr))}::text[]) as v(key, hash, encrypted)
          where t.${sql.ref(key)} = v.key::${sql.raw(type)}
        `.execute(trx)
        sealed += plain.rows.length
      }
    }
    await sql.raw(DROP_EMPTY_PLAINTEXT_CPR).execute(trx)
    return sealed
  })
}
