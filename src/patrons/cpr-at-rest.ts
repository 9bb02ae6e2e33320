import { sql } from 'kysely'
import type { Db } from '../db/database.ts'
import { DROP_EMPTY_PLAINTEXT_CPR } from '../db/migrations/0013-cpr-protection.ts'
import type { CprVault } from './cpr-vault.ts'

const TABLES = [
  { table: 'patrons', key: 'id' },
  { table: 'debtors', key: 'id' },
  { table: 'verified_identities', key: 'token_hash' },
  { table: 'pending_registrations', key: 'id' },
] as const

/**
 * Encrypts and hashes the plaintext CPR numbers a data folder from before migration 0013 still holds, then
 * drops the plaintext columns. Run at every start (a no-op once the columns are gone); one transaction,
 * so a failure leaves the plaintext where it was and nothing is lost.
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
    for (const { table, key } of TABLES) {
      if (!withPlaintext.has(table)) continue
      const plain = await sql<{ key: string | number; cpr: string }>`
        select ${sql.ref(key)} as key, cpr from ${sql.table(table)} where cpr is not null for update
      `.execute(trx)
      for (const row of plain.rows) {
        await sql`
          update ${sql.table(table)}
          set cpr_hash = ${vault.hash(row.cpr)}, cpr_encrypted = ${vault.encrypt(row.cpr)}, cpr = null
          where ${sql.ref(key)} = ${row.key}
        `.execute(trx)
        sealed++
      }
    }
    await sql.raw(DROP_EMPTY_PLAINTEXT_CPR).execute(trx)
    return sealed
  })
}
