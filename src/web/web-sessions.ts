// Server-side web sessions: the cookie holds a random token, the table its SHA-256, so a stolen table
// gives no usable cookie and a session can be ended or all of a patron's sessions revoked. A login always
// starts a new session (no fixation). Sessions expire after a period without requests, and in any case a
// fixed time after the login (staff 8 hours, patrons 12): a cookie that leaks stops working within a day.

import type { Db } from '../db/database.ts'
import type { WebFlash } from '../db/schema.ts'
import { newSecretToken, secretTokenHash } from '../shared/secret-tokens.ts'

export const SESSION_COOKIE = 'laan_session'
/** A session ends 30 minutes after its last request (assumed, as Danish self-service sites do). */
export const SESSION_IDLE_MINUTES = 30

export interface WebSession {
  tokenHash: string
  municipality: string
  patronId: number | null
  staffId: number | null
  expiresAt: Date
  flash: WebFlash | null
}

/** Absolute lifetimes (assumed: a staff member's working day; a patron's day). */
export const STAFF_SESSION_HOURS = 8
export const PATRON_SESSION_HOURS = 12

/** 30 minutes on from now, but never past the session's absolute end. */
function expiryFrom(now: Date, createdAt: Date, staff: boolean): Date {
  const end = createdAt.getTime() + (staff ? STAFF_SESSION_HOURS : PATRON_SESSION_HOURS) * 3600_000
  return new Date(Math.min(now.getTime() + SESSION_IDLE_MINUTES * 60_000, end))
}

/** Starts a session and returns the token for the cookie. */
export async function startSession(
  db: Db,
  owner: { municipality: string; patronId?: number; staffId?: number },
  now: Date,
): Promise<string> {
  const token = newSecretToken()
  await db
    .insertInto('webSessions')
    .values({
      tokenHash: secretTokenHash(token),
      municipality: owner.municipality,
      patronId: owner.patronId ?? null,
      staffId: owner.staffId ?? null,
      createdAt: now,
      expiresAt: expiryFrom(now, now, owner.staffId !== undefined),
    })
    .execute()
  return token
}

/** The session of a cookie token, if it has not expired; its expiry moves on (at most once a minute). */
export async function loadSession(db: Db, token: string | undefined, now: Date): Promise<WebSession | null> {
  if (!token) return null
  const tokenHash = secretTokenHash(token)
  const row = await db
    .selectFrom('webSessions')
    .select(['tokenHash', 'municipality', 'patronId', 'staffId', 'createdAt', 'expiresAt', 'flash'])
    .where('tokenHash', '=', tokenHash)
    .where('expiresAt', '>', now)
    .executeTakeFirst()
  if (!row) return null
  const { createdAt, ...session } = row
  const expiresAt = expiryFrom(now, new Date(createdAt), row.staffId !== null)
  // A page view is a read: the expiry is written only when it would move by more than a minute.
  if (expiresAt.getTime() - new Date(row.expiresAt).getTime() > 60_000) {
    await db.updateTable('webSessions').set({ expiresAt }).where('tokenHash', '=', tokenHash).execute()
    return { ...session, expiresAt }
  }
  return session
}

/**
 * A new token for the same session (its login time, owner and message kept), after a change of
 * credentials: a token seen before the change stops working. Returns the new token.
 */
export async function rotateSession(db: Db, session: WebSession): Promise<string> {
  const token = newSecretToken()
  await db
    .updateTable('webSessions')
    .set({ tokenHash: secretTokenHash(token) })
    .where('tokenHash', '=', session.tokenHash)
    .execute()
  return token
}

export type SessionOwner =
  | { patronId: number; except?: WebSession | undefined }
  | { staffId: number; except?: WebSession | undefined }
  | { all: true }

/** Ends sessions of a municipality: one patron's, one staff member's (but `except`), or all. */
export async function revokeSessions(db: Db, municipality: string, owner: SessionOwner): Promise<number> {
  let query = db.deleteFrom('webSessions').where('municipality', '=', municipality)
  if ('patronId' in owner) query = query.where('patronId', '=', owner.patronId)
  if ('staffId' in owner) query = query.where('staffId', '=', owner.staffId)
  if (!('all' in owner) && owner.except) query = query.where('tokenHash', '<>', owner.except.tokenHash)
  const result = await query.executeTakeFirst()
  return Number(result.numDeletedRows)
}

export async function endSession(db: Db, token: string | undefined): Promise<void> {
  if (!token) return
  await db.deleteFrom('webSessions').where('tokenHash', '=', secretTokenHash(token)).execute()
}

/** A message shown once on the next page. */
export async function setFlash(db: Db, session: WebSession, flash: WebFlash): Promise<void> {
  await db
    .updateTable('webSessions')
    .set({ flash: JSON.stringify(flash) })
    .where('tokenHash', '=', session.tokenHash)
    .execute()
}

export async function takeFlash(db: Db, session: WebSession): Promise<WebFlash | null> {
  if (!session.flash) return null
  await db
    .updateTable('webSessions')
    .set({ flash: null })
    .where('tokenHash', '=', session.tokenHash)
    .execute()
  return session.flash
}

/** Removes a municipality's sessions and MitID identities that expired before `before` (the nightly run). */
export async function deleteExpiredSessions(db: Db, municipality: string, before: Date): Promise<number> {
  const sessions = await db
    .deleteFrom('webSessions')
    .where('municipality', '=', municipality)
    .where('expiresAt', '<=', before)
    .executeTakeFirst()
  const identities = await db
    .deleteFrom('verifiedIdentities')
    .where('municipality', '=', municipality)
    .where('expiresAt', '<=', before)
    .executeTakeFirst()
  return Number(sessions.numDeletedRows) + Number(identities.numDeletedRows)
}
