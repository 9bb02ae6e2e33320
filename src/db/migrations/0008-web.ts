import type { Kysely } from 'kysely'
import { executeScript } from '../sql-script.ts'

// The web pages: staff accounts with roles, server-side sessions (the cookie holds a random token, the
// table its hash, so a session can be ended or rotated), and the PIN lock after wrong PINs.
export async function up(db: Kysely<unknown>): Promise<void> {
  await executeScript(
    db,
    `
    create table staff_accounts (
      id serial primary key,
      municipality text not null,
      login text not null,
      name text not null,
      password_hash text not null,
      roles text[] not null,
      created_at timestamptz not null default now(),
      unique (municipality, login)
    );

    create table web_sessions (
      token_hash text primary key,
      municipality text not null,
      patron_id integer references patrons (id) on delete cascade,
      staff_id integer references staff_accounts (id) on delete cascade,
      created_at timestamptz not null,
      expires_at timestamptz not null,
      flash jsonb,
      check ((patron_id is null) <> (staff_id is null))
    );
    create index web_sessions_expiry on web_sessions (expires_at);

    alter table patrons add column pin_failures integer not null default 0;
    alter table patrons add column pin_locked_until timestamptz;
    `,
  )
}
