import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { type CprKey, DEVELOPMENT_CPR_KEY, parseCprKey } from './patrons/cpr-vault.ts'
import { ValidationError } from './shared/errors.ts'

export interface Config {
  readonly port: number
  readonly host: string
  /** A PostgreSQL server; when absent, PGlite in `dataDir`. */
  readonly databaseUrl: string | undefined
  readonly dataDir: string
  /** Where bills and dunning letters are written for Digital Post and the print service (PDF, MeMo XML). */
  readonly outboxDir: string
  /** Staff calls carry this key in the `x-api-key` header until the web issue brings real logins. */
  readonly apiKey: string
  readonly apiKeyIsDefault: boolean
  /** Encrypts CPR numbers at rest and keys their look-up hash (LAAN_CPR_KEY, 32 bytes in hex or base64). */
  readonly cprKeys: readonly CprKey[]
  readonly cprKeyIsDefault: boolean
  readonly logLevel: string
  readonly scheduler: boolean
  readonly demoData: boolean
  /** Notices by e-mail: an SMTP server (smtp:// or smtps://); without it e-mails go to the outbox folder. */
  readonly smtpUrl: string | undefined
  readonly mailFrom: string
  /** Notices by SMS: the gateway's JSON endpoint and token; without it SMS go to the outbox folder. */
  readonly smsUrl: string | undefined
  readonly smsToken: string | undefined
  readonly smsSender: string
  /** The SIP2 server for self-service machines; 0 turns it off. */
  readonly sip2Port: number
  /** HTTPS for the API and the FBS kiosks: PEM files of the key and the certificate (both or neither). */
  readonly tlsKeyFile: string | undefined
  readonly tlsCertFile: string | undefined
  /** Signs the web pages' cookies (CSRF); without it a random secret per start. */
  readonly cookieSecret: string
  /** Cookies only over HTTPS (on when TLS is configured or LAAN_SECURE_COOKIES=1). */
  readonly secureCookies: boolean
  /** The address citizens reach laan at (for the MitID broker's redirect back). */
  readonly publicUrl: string
  /** The MitID broker (OpenID Connect); without it the pages offer card and PIN only. */
  readonly mitid: { issuer: string; clientId: string; clientSecret: string } | undefined
}

const DEFAULT_API_KEY = 'laan-dev-key'

function parsePort(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined || value === '') return fallback
  const port = Number(value)
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ValidationError(name, 'a port number 0–65535')
  return port
}

function parseFlag(value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value === '') return fallback
  return !['0', 'false', 'no', 'off'].includes(value.toLowerCase())
}

function parseUrl(value: string | undefined, name: string, protocols: string[]): string | undefined {
  if (value === undefined || value === '') return undefined
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new ValidationError(name, `not a URL: ${value}`)
  }
  if (!protocols.includes(url.protocol))
    throw new ValidationError(name, `must start with ${protocols.join(' or ')}//`)
  return value
}

/** Reads the environment once; the result is frozen. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return Object.freeze({
    port: parsePort(env.PORT, 'PORT', 3000),
    host: env.HOST ?? '127.0.0.1',
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: env.LAAN_DATA_DIR ?? './data',
    outboxDir: env.LAAN_OUTBOX_DIR ?? join(env.LAAN_DATA_DIR ?? './data', 'outbox'),
    apiKey: env.LAAN_API_KEY ?? DEFAULT_API_KEY,
    apiKeyIsDefault: env.LAAN_API_KEY === undefined,
    cprKeys: cprKeys(env.LAAN_CPR_KEY),
    cprKeyIsDefault: !env.LAAN_CPR_KEY,
    logLevel: env.LOG_LEVEL ?? 'info',
    scheduler: parseFlag(env.LAAN_SCHEDULER, true),
    demoData: parseFlag(env.LAAN_DEMO_DATA, true),
    smtpUrl: parseUrl(env.LAAN_SMTP_URL, 'LAAN_SMTP_URL', ['smtp:', 'smtps:']),
    mailFrom: env.LAAN_MAIL_FROM ?? 'Biblioteket <noreply@laan.invalid>',
    smsUrl: parseUrl(env.LAAN_SMS_URL, 'LAAN_SMS_URL', ['http:', 'https:']),
    smsToken: env.LAAN_SMS_TOKEN || undefined,
    smsSender: env.LAAN_SMS_SENDER ?? 'Biblioteket',
    sip2Port: parsePort(env.LAAN_SIP2_PORT, 'LAAN_SIP2_PORT', 6001),
    ...tlsFiles(env),
    cookieSecret: env.LAAN_COOKIE_SECRET || randomBytes(32).toString('base64url'),
    secureCookies: parseFlag(env.LAAN_SECURE_COOKIES, Boolean(env.LAAN_TLS_KEY)),
    publicUrl: (
      parseUrl(env.LAAN_PUBLIC_URL, 'LAAN_PUBLIC_URL', ['http:', 'https:']) ??
      `${env.LAAN_TLS_KEY ? 'https' : 'http'}://${env.HOST ?? '127.0.0.1'}:${env.PORT || 3000}`
    ).replace(/\/$/, ''),
    mitid: mitidSettings(env),
  })
}

function mitidSettings(env: NodeJS.ProcessEnv): Config['mitid'] {
  const issuer = parseUrl(env.LAAN_MITID_ISSUER, 'LAAN_MITID_ISSUER', ['http:', 'https:'])
  if (issuer === undefined) return undefined
  const clientId = env.LAAN_MITID_CLIENT_ID
  const clientSecret = env.LAAN_MITID_CLIENT_SECRET
  if (!clientId) throw new ValidationError('LAAN_MITID_CLIENT_ID', 'needed with LAAN_MITID_ISSUER')
  if (!clientSecret) throw new ValidationError('LAAN_MITID_CLIENT_SECRET', 'needed with LAAN_MITID_ISSUER')
  return { issuer, clientId, clientSecret }
}

function tlsFiles(env: NodeJS.ProcessEnv): Pick<Config, 'tlsKeyFile' | 'tlsCertFile'> {
  const tlsKeyFile = env.LAAN_TLS_KEY || undefined
  const tlsCertFile = env.LAAN_TLS_CERT || undefined
  if ((tlsKeyFile === undefined) !== (tlsCertFile === undefined)) {
    throw new ValidationError(
      tlsKeyFile === undefined ? 'LAAN_TLS_KEY' : 'LAAN_TLS_CERT',
      'HTTPS needs both LAAN_TLS_KEY and LAAN_TLS_CERT',
    )
  }
  return { tlsKeyFile, tlsCertFile }
}

function cprKeys(value: string | undefined): readonly CprKey[] {
  if (value === undefined || value === '') return [DEVELOPMENT_CPR_KEY]
  const key = parseCprKey(value)
  if (key === null) throw new ValidationError('LAAN_CPR_KEY', '32 bytes, as 64 hex digits or in base64')
  return [{ version: 1, key }]
}
