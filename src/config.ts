import { join } from 'node:path'
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
  readonly logLevel: string
  readonly scheduler: boolean
  readonly demoData: boolean
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
    logLevel: env.LOG_LEVEL ?? 'info',
    scheduler: parseFlag(env.LAAN_SCHEDULER, true),
    demoData: parseFlag(env.LAAN_DEMO_DATA, true),
  })
}
