import type { Kysely } from 'kysely'
import { executeScript } from '../sql-script.ts'

// Notices that reach patrons: each patron's channels and language, an address that bounced, and the
// outbox's delivery state (attempts, the next try, when sent, the last error).
export async function up(db: Kysely<unknown>): Promise<void> {
  await executeScript(
    db,
    `
    alter table patrons add column notice_channels text[];
    alter table patrons add column language text not null default 'da' check (language in ('da', 'en'));
    alter table patrons add column email_bounced_at timestamptz;

    alter table notices add column attempts integer not null default 0;
    alter table notices add column next_attempt_at timestamptz;
    alter table notices add column sent_at timestamptz;
    alter table notices add column last_error text;
    create index notices_queued on notices (municipality, send_at) where status = 'queued';

    alter table reservations add column notified_at timestamptz;
    alter table reservations drop constraint reservations_status_check;
    alter table reservations add constraint reservations_status_check
      check (status in ('waiting', 'held', 'fulfilled', 'cancelled', 'expired'));
    create index reservations_held on reservations (municipality, held_at) where status = 'held';
    `,
  )
}
