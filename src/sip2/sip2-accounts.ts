// The self-service machines' SIP2 accounts (login 93, and the FBS envelope's login/password): one per
// machine, tied to a municipality and a library location. Passwords are argon2 hashes, as patrons' PINs
// (the PIN helper itself takes 4–8 digits only, so the library is used directly here).

import type { Db } from '../db/database.ts'
import { ValidationError } from '../shared/errors.ts'
import type { LoginThrottle } from '../shared/login-throttle.ts'
import { hashSecret, verifySecret } from '../shared/password-hash.ts'

export interface Sip2Account {
  login: string
  municipality: string
  location: string
}

export interface NewSip2Account extends Sip2Account {
  password: string
}

/** Adds a machine account; the login must not be in use. */
export async function addSip2Account(db: Db, input: NewSip2Account): Promise<Sip2Account> {
  if (input.login.trim() === '') throw new ValidationError('login', 'a SIP2 login is not empty')
  if (input.password === '') throw new ValidationError('password', 'a SIP2 password is not empty')
  const row = await db
    .insertInto('sip2Accounts')
    .values({
      login: input.login,
      passwordHash: await hashSecret(input.password),
      municipality: input.municipality,
      location: input.location,
    })
    .returning(['login', 'municipality', 'location'])
    .executeTakeFirstOrThrow()
  return row
}

/** The account when the login exists and the password is right; null otherwise. */
export async function verifySip2Account(
  db: Db,
  login: string,
  password: string,
  throttle?: { limiter: LoginThrottle; now: Date },
): Promise<Sip2Account | null> {
  // A name with too many wrong passwords lately is refused without checking (machine-login limit).
  if (throttle?.limiter.lockedUntil(login, throttle.now)) return null
  const account = await checkSip2Password(db, login, password)
  if (throttle) {
    if (account) throttle.limiter.succeeded(login)
    else throttle.limiter.failed(login, throttle.now)
  }
  return account
}

async function checkSip2Password(db: Db, login: string, password: string): Promise<Sip2Account | null> {
  const row = await db
    .selectFrom('sip2Accounts')
    .select(['login', 'passwordHash', 'municipality', 'location'])
    .where('login', '=', login)
    .executeTakeFirst()
  if (!row || password === '') return null
  const ok = await verifySecret(row.passwordHash, password)
  return ok ? { login: row.login, municipality: row.municipality, location: row.location } : null
}
