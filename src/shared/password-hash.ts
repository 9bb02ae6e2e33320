// Every secret a person or machine types (patrons' PINs, staff passwords, SIP2 machine passwords) is kept
// as one kind of hash: Argon2id, with OWASP's minimum parameters (19 MiB, 2 passes, 1 lane), spelled out
// here so a library upgrade cannot change them silently. A stored hash names its own parameters, so hashes
// made with other parameters still verify.
import { type Algorithm, hash, type Options, parseOptions, verify } from '@node-rs/argon2'

/** Argon2id's number in @node-rs/argon2's const enum (not importable as a value with isolated modules). */
const ARGON2ID = 2 as Algorithm

export const PASSWORD_HASH_OPTIONS: Readonly<Options> = Object.freeze({
  algorithm: ARGON2ID,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
})

export function hashSecret(secret: string): Promise<string> {
  return hash(secret, PASSWORD_HASH_OPTIONS)
}

/** False, never an error, for a hash that cannot be read. */
export async function verifySecret(stored: string, secret: string): Promise<boolean> {
  return verify(stored, secret).catch(() => false)
}

/** Whether a stored hash is weaker than today's parameters (or another algorithm): hash again at next login. */
export function needsRehash(stored: string): boolean {
  try {
    const options = parseOptions(stored)
    return (
      options.algorithm !== ARGON2ID ||
      options.memoryCost < (PASSWORD_HASH_OPTIONS.memoryCost as number) ||
      options.timeCost < (PASSWORD_HASH_OPTIONS.timeCost as number)
    )
  } catch {
    return true
  }
}
