import { type Kysely, sql } from 'kysely'

/** Runs a script of statements one by one (PGlite's extended protocol takes one statement per query). */
export async function executeScript(db: Kysely<unknown>, script: string): Promise<void> {
  const statements = script
    .split(/;\s*(?:\n|$)/)
    .map((statement) => statement.trim())
    .filter((statement) => statement.replace(/--.*$/gm, '').trim() !== '')
  for (const statement of statements) {
    await sql.raw(statement).execute(db)
  }
}
