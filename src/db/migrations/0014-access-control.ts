import type { Kysely } from 'kysely'
import { executeScript } from '../sql-script.ts'

// API keys with a role and, optionally, one municipality: the key itself is shown once and only its SHA-256
// is kept, so a copied table gives no usable key. Rotation is a new key beside the old, then revoking the old.
export async function up(db: Kysely<unknown>): Promise<void> {
  await executeScript(
    db,
    `
    create table api_keys (
      id serial primary key,
      name text not null unique check (name <> ''),
      role text not null check (role in ('administrator', 'desk', 'finance', 'issuer', 'operator', 'door')),
      municipality text references municipalities (code),
      key_hash text not null unique,
      created_at timestamptz not null,
      expires_at timestamptz,
      revoked_at timestamptz,
      last_used_at timestamptz
    );
    create index web_sessions_patron on web_sessions (patron_id) where patron_id is not null;
    create index web_sessions_staff on web_sessions (staff_id) where staff_id is not null;
    `,
  )
}
