// CPR numbers at rest (issue 7.4): stored encrypted (AES-256-GCM, a random 12-byte IV per value) and found
// by a keyed hash (HMAC-SHA-256), never in clear. Both keys are derived with HKDF from one 32-byte master
// key (LAAN_CPR_KEY), under different labels, so knowing one derived key reveals nothing of the other.
// Ciphertexts carry their key's version ("v1:…") so that a later key can be added beside the old one.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto'
import { normaliseCpr } from './cpr.ts'

export interface CprVault {
  /** The look-up key of a CPR number (normalised to 10 digits first): hex HMAC-SHA-256. */
  hash(cpr: string): string
  /** The hash of what a patron identifies with, when it can be a CPR number (DDMMYYSSSS or DDMMYY-SSSS). */
  lookupHash(identifier: string): string | null
  /**
   * A keyed hash of any identifier a patron gives (a card number, or a CPR number, normalised first), for
   * records that must recognise the same identifier again without holding it (offline machine transactions).
   */
  identifierHash(identifier: string): string
  /** `v1:<iv>:<tag>:<ciphertext>`, base64url, a fresh IV each time. */
  encrypt(cpr: string): string
  /** The 10 digits; throws CprDecryptionError for a tampered text or an unknown key version. */
  decrypt(text: string): string
}

export class CprDecryptionError extends Error {
  override name = 'CprDecryptionError'
}

/** A master key of 32 bytes; `version` names it inside every ciphertext it writes. */
export interface CprKey {
  version: number
  key: Uint8Array
}

const KEY_BYTES = 32
const IV_BYTES = 12

/**
 * Used when LAAN_CPR_KEY is not set (development, tests, simulations): public, so `laan start` warns.
 * A production installation sets its own key and keeps it apart from the database backups.
 */
export const DEVELOPMENT_CPR_KEY: CprKey = {
  version: 1,
  key: Buffer.from('laan-development-cpr-key-32bytes', 'utf8'),
}

function derive(master: Uint8Array, label: string): Buffer {
  return Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), `laan cpr ${label}`, KEY_BYTES))
}

/** The vault for a list of keys: the first encrypts and hashes, the others only decrypt (rotation). */
export function createCprVault(keys: readonly CprKey[] = [DEVELOPMENT_CPR_KEY]): CprVault {
  const [current] = keys
  if (current === undefined) throw new Error('a CPR vault needs a key')
  const byVersion = new Map<number, Buffer>()
  for (const { version, key } of keys) {
    if (key.length !== KEY_BYTES) throw new Error(`a CPR key has ${KEY_BYTES} bytes`)
    if (!Number.isInteger(version) || version < 1) throw new Error('a CPR key version is a positive integer')
    byVersion.set(version, derive(key, 'encryption'))
  }
  const hashKey = derive(current.key, 'hash')
  const identifierKey = derive(current.key, 'identifier')
  const encryptionKey = byVersion.get(current.version) as Buffer

  function hash(cpr: string): string {
    return createHmac('sha256', hashKey).update(normaliseCpr(cpr)).digest('hex')
  }

  return {
    hash,
    lookupHash(identifier) {
      const trimmed = identifier.trim()
      return /^\d{6}-?\d{4}$/.test(trimmed) ? hash(trimmed) : null
    },
    identifierHash(identifier) {
      const trimmed = identifier.trim()
      const normal = /^\d{6}-?\d{4}$/.test(trimmed) ? normaliseCpr(trimmed) : trimmed
      return createHmac('sha256', identifierKey).update(normal).digest('hex')
    },
    encrypt(cpr) {
      const iv = randomBytes(IV_BYTES)
      const cipher = createCipheriv('aes-256-gcm', encryptionKey, iv)
      const ciphertext = Buffer.concat([cipher.update(normaliseCpr(cpr), 'utf8'), cipher.final()])
      const tag = cipher.getAuthTag()
      return [`v${current.version}`, iv, tag, ciphertext]
        .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
        .join(':')
    },
    decrypt(text) {
      const match = /^v(\d+):([\w-]+):([\w-]+):([\w-]+)$/.exec(text)
      if (!match) throw new CprDecryptionError('not an encrypted CPR number')
      const key = byVersion.get(Number(match[1]))
      if (!key) throw new CprDecryptionError(`no CPR key of version ${match[1]}`)
      const iv = Buffer.from(match[2] as string, 'base64url')
      const tag = Buffer.from(match[3] as string, 'base64url')
      if (iv.length !== IV_BYTES || tag.length !== 16)
        throw new CprDecryptionError('a malformed CPR ciphertext')
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, iv)
        decipher.setAuthTag(tag)
        const clear = Buffer.concat([
          decipher.update(Buffer.from(match[4] as string, 'base64url')),
          decipher.final(),
        ]).toString('utf8')
        if (!/^\d{10}$/.test(clear)) throw new Error('not 10 digits')
        return clear
      } catch {
        throw new CprDecryptionError('the CPR ciphertext was altered or the key is wrong')
      }
    },
  }
}

/** LAAN_CPR_KEY as 32 bytes: 64 hex digits or base64/base64url; null when the text is neither. */
export function parseCprKey(text: string): Uint8Array | null {
  const trimmed = text.trim()
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex')
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) return null
  const bytes = Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64')
  return bytes.length === KEY_BYTES ? bytes : null
}

/** The CPR number a row keeps encrypted, or null when it keeps none. */
export function cprOf(vault: CprVault, encrypted: string | null): string | null {
  return encrypted === null ? null : vault.decrypt(encrypted)
}

/** A row with its CPR number decrypted, for the few places that show it (masked) or send it. */
export function withCpr<T extends { cprEncrypted: string | null }>(
  vault: CprVault,
  row: T,
): Omit<T, 'cprEncrypted'> & { cpr: T['cprEncrypted'] } {
  const { cprEncrypted, ...rest } = row
  return { ...rest, cpr: cprOf(vault, cprEncrypted) } as Omit<T, 'cprEncrypted'> & { cpr: T['cprEncrypted'] }
}
