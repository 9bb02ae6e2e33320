import type { Kysely } from 'kysely'
import { executeScript } from '../sql-script.ts'

// The staff desk: patron types and identity papers (institutions, foreigners), every look-up of a patron
// with its reason, registrations made at the desk, charges annulled or written down, exclusions with notice,
// blocks lifted, and the cash box for sales (events, bags, discarded books; seed 000).
export async function up(db: Kysely<unknown>): Promise<void> {
  await executeScript(
    db,
    `
    alter table patrons add column patron_type text not null default 'person'
      check (patron_type in ('person', 'institution'));
    alter table patrons add column id_document_type text;
    alter table patrons add column id_document_number text;

    create table staff_lookups (
      id serial primary key,
      municipality text not null references municipalities (code),
      staff_id integer not null references staff_accounts (id),
      patron_id integer not null references patrons (id),
      reason text not null check (reason <> ''),
      at timestamptz not null
    );
    create index staff_lookups_patron on staff_lookups (patron_id, at);
    create index staff_lookups_staff on staff_lookups (staff_id, at);

    create table desk_registrations (
      patron_id integer primary key references patrons (id),
      staff_id integer not null references staff_accounts (id),
      kind text not null check (kind in ('adult', 'child', 'foreigner', 'institution')),
      guardian_consent boolean not null default false,
      registered_at timestamptz not null
    );

    create table charge_corrections (
      id serial primary key,
      municipality text not null references municipalities (code),
      charge_id integer not null references charges (id),
      staff_id integer not null references staff_accounts (id),
      kind text not null check (kind in ('annulled', 'written-down')),
      amount integer not null check (amount > 0),
      reason text not null check (reason <> ''),
      at timestamptz not null
    );
    create index charge_corrections_charge on charge_corrections (charge_id);

    create table staff_exclusions (
      id serial primary key,
      municipality text not null references municipalities (code),
      patron_id integer not null references patrons (id),
      staff_id integer not null references staff_accounts (id),
      reason text not null check (reason <> ''),
      warned_at timestamptz not null,
      effective_on date not null,
      status text not null default 'pending' check (status in ('pending', 'in-force', 'withdrawn', 'lifted')),
      block_id integer references blocks (id),
      ended_at timestamptz,
      ended_by integer references staff_accounts (id),
      end_reason text
    );
    create unique index staff_exclusions_one_open on staff_exclusions (patron_id)
      where status in ('pending', 'in-force');
    create index staff_exclusions_due on staff_exclusions (municipality, effective_on) where status = 'pending';

    create table block_lifts (
      id serial primary key,
      municipality text not null references municipalities (code),
      block_id integer not null references blocks (id),
      patron_id integer not null references patrons (id),
      staff_id integer not null references staff_accounts (id),
      reason text not null check (reason <> ''),
      at timestamptz not null
    );

    create table cash_sales (
      id serial primary key,
      municipality text not null references municipalities (code),
      staff_id integer not null references staff_accounts (id),
      sold_at timestamptz not null,
      business_date date not null,
      category text not null check (category in ('event', 'bag', 'discarded-book', 'other')),
      description text not null check (description <> ''),
      amount integer not null check (amount > 0),
      payment_method text not null check (payment_method in ('cash', 'card', 'mobilepay'))
    );
    create index cash_sales_day on cash_sales (municipality, business_date);
    `,
  )
}
