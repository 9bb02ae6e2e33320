import type { Kysely } from 'kysely'
import { executeScript } from '../sql-script.ts'

// Self-registration with MitID: the identity the broker vouched for, kept server-side for the few minutes
// the citizen needs to choose a PIN (the cookie holds only a random token), and 15–17-year-olds'
// registrations waiting for a guardian's consent.
export async function up(db: Kysely<unknown>): Promise<void> {
  await executeScript(
    db,
    `
    create table verified_identities (
      token_hash text primary key,
      municipality text not null,
      cpr text not null,
      birth_date date not null,
      name text not null,
      expires_at timestamptz not null
    );

    create table pending_registrations (
      id serial primary key,
      municipality text not null,
      cpr text not null,
      birth_date date not null,
      name text not null,
      pin_hash text not null,
      email text,
      phone text,
      guardian_id integer not null references patrons (id) on delete cascade,
      created_at timestamptz not null,
      status text not null default 'pending' check (status in ('pending', 'consented', 'refused')),
      decided_at timestamptz,
      patron_id integer references patrons (id) on delete set null
    );
    create unique index pending_registrations_open on pending_registrations (municipality, cpr) where status = 'pending';
    `,
  )
}
