import type { Kysely } from 'kysely'
import { executeScript } from '../sql-script.ts'

// The self-service machines' SIP2 accounts: one login per machine, tied to a municipality and a library
// location; the password is kept as an argon2 hash.
export async function up(db: Kysely<unknown>): Promise<void> {
  await executeScript(
    db,
    `
    create table sip2_accounts (
      login text primary key,
      password_hash text not null,
      municipality text not null,
      location text not null,
      created_at timestamptz not null default now()
    );
    `,
  )
}
