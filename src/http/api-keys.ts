// API keys: each has a name, one role and optionally one municipality. The key is random, shown once when
// it is made, and only its SHA-256 is kept. Rotating a key: create a new one (both work), switch the caller
// to it, then revoke the old one. The environment's LAAN_API_KEY stays an administrator key for every
// municipality (development, the bench and the demo).

import { timingSafeEqual } from 'node:crypto'
import type { Db } from '../db/database.ts'
import type { ApiRole } from '../db/schema.ts'
import { ValidationError } from '../shared/errors.ts'
import { newSecretToken, secretTokenHash } from '../shared/secret-tokens.ts'
import { addDays, instantOfLocal, isLocalDate } from '../shared/time.ts'

export const API_ROLES: readonly ApiRole[] = [
  'administrator',
  'desk',
  'finance',
  'issuer',
  'operator',
  'door',
]

/** Who is calling the API: the key's name, its role and its municipality (null: all). */
export interface ApiCaller {
  name: string
  role: ApiRole
  municipality: string | null
}

export interface ApiKeyInfo extends ApiCaller {
  createdAt: Date
  expiresAt: Date | null
  revokedAt: Date | null
  lastUsedAt: Date | null
}

/** The caller behind the environment's key. */
export const ENVIRONMENT_CALLER: ApiCaller = {
  name: 'LAAN_API_KEY',
  role: 'administrator',
  municipality: null,
}

function sameKey(given: string, expected: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

export function parseApiRole(text: string): ApiRole {
  if (!(API_ROLES as readonly string[]).includes(text)) {
    throw new ValidationError('role', `unknown role ${text}; one of ${API_ROLES.join(', ')}`)
  }
  return text as ApiRole
}

export interface NewApiKey {
  name: string
  role: ApiRole
  municipality?: string | null | undefined
  /** The last day (Europe/Copenhagen) the key works; none: until revoked. */
  expires?: string | undefined
}

/** Makes a key and returns it: the only time it is seen. */
export async function createApiKey(
  db: Db,
  input: NewApiKey,
  now: Date,
): Promise<{ key: string; info: ApiKeyInfo }> {
  const name = input.name.trim()
  if (name === '') throw new ValidationError('name', 'a key name is not empty')
  if (input.expires !== undefined && !isLocalDate(input.expires)) {
    throw new ValidationError('expires', 'a date YYYY-MM-DD')
  }
  const existing = await db.selectFrom('apiKeys').select('id').where('name', '=', name).executeTakeFirst()
  if (existing) throw new ValidationError('name', `a key named ${name} exists; revoked keys keep their name`)
  const key = `laan_${newSecretToken()}`
  const expiresAt = input.expires === undefined ? null : instantOfLocal(addDays(input.expires, 1))
  const row = await db
    .insertInto('apiKeys')
    .values({
      name,
      role: input.role,
      municipality: input.municipality ?? null,
      keyHash: secretTokenHash(key),
      createdAt: now,
      expiresAt,
    })
    .returning(['name', 'role', 'municipality', 'createdAt', 'expiresAt', 'revokedAt', 'lastUsedAt'])
    .executeTakeFirstOrThrow()
  return { key, info: row }
}

export async function listApiKeys(db: Db): Promise<ApiKeyInfo[]> {
  return db
    .selectFrom('apiKeys')
    .select(['name', 'role', 'municipality', 'createdAt', 'expiresAt', 'revokedAt', 'lastUsedAt'])
    .orderBy('name')
    .execute()
}

/** Revokes the named key; false when there is no such key or it was revoked already. */
export async function revokeApiKey(db: Db, name: string, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('apiKeys')
    .set({ revokedAt: now })
    .where('name', '=', name)
    .where('revokedAt', 'is', null)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) > 0
}

/**
 * The caller of a key: the environment's key, or a stored key that is neither revoked nor expired (its
 * last use is noted, at most once a minute). null for anything else.
 */
export async function callerOfKey(
  db: Db,
  given: string | undefined,
  environmentKey: string,
  now: Date,
): Promise<ApiCaller | null> {
  if (given === undefined || given === '') return null
  if (sameKey(given, environmentKey)) return ENVIRONMENT_CALLER
  const row = await db
    .selectFrom('apiKeys')
    .select(['id', 'name', 'role', 'municipality', 'expiresAt', 'revokedAt', 'lastUsedAt'])
    .where('keyHash', '=', secretTokenHash(given))
    .executeTakeFirst()
  if (!row || row.revokedAt !== null) return null
  if (row.expiresAt !== null && new Date(row.expiresAt).getTime() <= now.getTime()) return null
  if (row.lastUsedAt === null || now.getTime() - new Date(row.lastUsedAt).getTime() > 60_000) {
    await db.updateTable('apiKeys').set({ lastUsedAt: now }).where('id', '=', row.id).execute()
  }
  return { name: row.name, role: row.role, municipality: row.municipality }
}
