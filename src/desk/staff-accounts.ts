// Staff accounts for the desk pages: a login per municipality, a name, an argon2 password hash (as the SIP2
// machines' accounts) and roles. `desk` serves patrons at the counter, `finance` annuls and writes down
// charges and decides appeals, `administrator` may do everything.

import type { Db } from '../db/database.ts'
import type { StaffRole } from '../db/schema.ts'
import { ValidationError } from '../shared/errors.ts'
import { hashSecret, verifySecret } from '../shared/password-hash.ts'

export const STAFF_ROLES: readonly StaffRole[] = ['desk', 'finance', 'administrator']

export interface StaffAccount {
  id: number
  municipality: string
  login: string
  name: string
  roles: StaffRole[]
}

export interface NewStaffAccount {
  municipality: string
  login: string
  name: string
  password: string
  roles: readonly StaffRole[]
}

/** `desk,finance` → the roles; an unknown role is refused. */
export function parseRoles(text: string): StaffRole[] {
  const roles = text
    .split(',')
    .map((r) => r.trim())
    .filter((r) => r !== '')
  if (roles.length === 0) throw new ValidationError('roles', `at least one of ${STAFF_ROLES.join(', ')}`)
  for (const role of roles) {
    if (!(STAFF_ROLES as readonly string[]).includes(role)) {
      throw new ValidationError('roles', `unknown role ${role}; one of ${STAFF_ROLES.join(', ')}`)
    }
  }
  return [...new Set(roles)] as StaffRole[]
}

/** Whether an account may act in one of these roles; an administrator may act in any. */
export function hasRole(account: { roles: readonly StaffRole[] }, allowed: readonly StaffRole[]): boolean {
  if (account.roles.includes('administrator')) return true
  return allowed.some((role) => account.roles.includes(role))
}

/** Minimum length of a staff password (assumed: the sources say nothing). */
export const STAFF_PASSWORD_MIN = 8

export async function addStaffAccount(
  db: Db,
  input: NewStaffAccount,
  options: { passwordHash?: string } = {},
): Promise<StaffAccount> {
  const login = input.login.trim()
  if (login === '') throw new ValidationError('login', 'a login is not empty')
  if (input.name.trim() === '') throw new ValidationError('name', 'a name is not empty')
  if (options.passwordHash === undefined && input.password.length < STAFF_PASSWORD_MIN) {
    throw new ValidationError('password', `at least ${STAFF_PASSWORD_MIN} characters`)
  }
  if (input.roles.length === 0) throw new ValidationError('roles', 'at least one role')
  const existing = await db
    .selectFrom('staffAccounts')
    .select('id')
    .where('municipality', '=', input.municipality)
    .where('login', '=', login)
    .executeTakeFirst()
  if (existing) throw new ValidationError('login', `${login} is already in use in ${input.municipality}`)
  return db
    .insertInto('staffAccounts')
    .values({
      municipality: input.municipality,
      login,
      name: input.name.trim(),
      passwordHash: options.passwordHash ?? (await hashSecret(input.password)),
      roles: [...input.roles],
    })
    .returning(['id', 'municipality', 'login', 'name', 'roles'])
    .executeTakeFirstOrThrow()
}

/** The account when the login exists in the municipality and the password is right; null otherwise. */
export async function verifyStaffLogin(
  db: Db,
  municipality: string,
  login: string,
  password: string,
): Promise<StaffAccount | null> {
  const row = await db
    .selectFrom('staffAccounts')
    .select(['id', 'municipality', 'login', 'name', 'roles', 'passwordHash'])
    .where('municipality', '=', municipality)
    .where('login', '=', login.trim())
    .executeTakeFirst()
  if (!row || password === '') {
    // As long as a real check, so that the answer's timing does not tell which logins exist.
    await hashSecret(password || 'x')
    return null
  }
  const ok = await verifySecret(row.passwordHash, password)
  if (!ok) return null
  const { passwordHash: _, ...account } = row
  return account
}

export async function staffAccountById(db: Db, id: number): Promise<StaffAccount | undefined> {
  return db
    .selectFrom('staffAccounts')
    .select(['id', 'municipality', 'login', 'name', 'roles'])
    .where('id', '=', id)
    .executeTakeFirst()
}
