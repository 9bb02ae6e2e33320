// Secrets handed to a browser or a caller (session cookies, identity cookies, API keys): 256 random bits,
// of which laan keeps only the SHA-256, so its tables give no working token to whoever reads them.

import { createHash, randomBytes } from 'node:crypto'

export function newSecretToken(): string {
  return randomBytes(32).toString('base64url')
}

export function secretTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('base64url')
}
