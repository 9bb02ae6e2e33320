// Every text a table holds, for the tests that look for CPR numbers in clear.

import { sql } from 'kysely'
import type { Db } from '../db/database.ts'

/** Every text, varchar, JSON and array value of every table, as text: where a CPR number in clear would show. */
export async function everyTextValue(db: Db): Promise<{ table: string; column: string; value: string }[]> {
  const { rows: columns } = await sql<{ table: string; column: string }>`
    select table_name as "table", column_name as "column" from information_schema.columns
    where table_schema = current_schema()
      and data_type in ('text', 'character varying', 'jsonb', 'json', 'ARRAY')
    order by table_name, column_name
  `.execute(db)
  const values: { table: string; column: string; value: string }[] = []
  for (const { table, column } of columns) {
    const { rows } = await sql<{ v: string | null }>`
      select ${sql.ref(column)}::text as v from ${sql.table(table)}
    `.execute(db)
    for (const row of rows) if (row.v !== null) values.push({ table, column, value: row.v })
  }
  return values
}

/** A CPR number as it may be written: the ten digits, and with the dash after the birth date. */
export function cprSpellings(cpr: string): string[] {
  const digits = cpr.replace('-', '')
  return [digits, `${digits.slice(0, 6)}-${digits.slice(6)}`]
}

/** Where each of the CPR numbers shows in clear in the values: `table.column: …` for a failure message. */
export function cprsInClear(
  values: { table: string; column: string; value: string }[],
  cprs: string[],
): string[] {
  const found: string[] = []
  for (const cpr of cprs) {
    for (const spelling of cprSpellings(cpr)) {
      for (const v of values) {
        if (v.value.includes(spelling))
          found.push(`${spelling} in ${v.table}.${v.column}: ${v.value.slice(0, 200)}`)
      }
    }
  }
  return found
}
