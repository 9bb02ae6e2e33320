// What laan's logs never hold (issue 7.4): CPR numbers, PINs and passwords, API keys, cookies and session
// tokens. One configuration for every pino logger (the HTTP service's, which the SIP2 server and the FBS
// endpoint log through): header paths are censored by pino's redact; every logged object, message and
// serialized request or error is scrubbed of secret-named fields, CPR-like numbers and SIP2 password fields.
import { type LoggerOptions, stdSerializers } from 'pino'

export const REDACTED = '[redacted]'

/** DDMMYYSSSS or DDMMYY-SSSS standing alone (not inside a longer number): what a CPR number looks like. */
const CPR_LIKE = /(?<![\d])(\d{6})-?(\d{4})(?![\d])/g
/**
 * SIP2 fields that carry a secret: AD patron password (PIN), CO login password, AC terminal password. Each
 * follows a field delimiter (the first variable field of a message is never one of them).
 */
const SIP2_SECRET_FIELD = /(\|(?:AD|CO|AC))[^|\r\n]*/g
const SECRET_KEY =
  /^(pin|newpin|pinhash|password|passwordhash|secret|token|cpr|cookie|set-cookie|authorization|x-api-key|apikey|api_key|_csrf)$/i

/** A query or form parameter with a secret name (`?pin=…`, `&password=…`). */
const SECRET_PARAMETER = /([?&](?:pin|newPin|password|token|secret|apiKey|api_key|cpr|_csrf)=)[^&#\s"]*/gi

/** Free text as staff type it (a look-up's or an annulment's reason) with any CPR-like number masked. */
export function maskCprNumbers(text: string): string {
  return text.replace(CPR_LIKE, '[CPR]')
}

/** The text with CPR-like numbers, secret query parameters and SIP2 password fields masked. */
export function maskText(text: string): string {
  return maskCprNumbers(text)
    .replace(SECRET_PARAMETER, `$1${REDACTED}`)
    .replace(SIP2_SECRET_FIELD, `$1${REDACTED}`)
}

/** A copy of a logged value: secret-named fields censored, strings masked; class instances left to serializers. */
export function scrub(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return maskText(value)
  if (depth > 6 || value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1))
  const proto = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) return value
  const out: Record<string, unknown> = {}
  for (const [key, v] of Object.entries(value))
    out[key] = SECRET_KEY.test(key) ? REDACTED : scrub(v, depth + 1)
  return out
}

interface LoggedRequest {
  method?: string
  url?: string
  hostname?: string
  ip?: string
  socket?: { remotePort?: number }
}

/**
 * Pino options that keep secrets out of the log, to merge into a logger's own (level, stream). The request
 * keeps method, masked URL (a CPR number can be a path or query value) and address; never headers or body.
 */
export function logRedaction(): Pick<LoggerOptions, 'redact' | 'serializers' | 'formatters' | 'hooks'> {
  return {
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.headers["x-api-key"]',
        'res.headers["set-cookie"]',
        'headers.authorization',
        'headers.cookie',
        'headers["x-api-key"]',
        'headers["set-cookie"]',
      ],
      censor: REDACTED,
    },
    serializers: {
      req: (request: LoggedRequest) => ({
        method: request.method,
        url: maskText(request.url ?? ''),
        hostname: request.hostname,
        remoteAddress: request.ip,
        remotePort: request.socket?.remotePort,
      }),
      err: (error: Error) => scrub({ ...stdSerializers.err(error) }),
      error: (error: Error) =>
        error instanceof Error ? scrub({ ...stdSerializers.err(error) }) : scrub(error),
    },
    formatters: { log: (object) => scrub(object) as Record<string, unknown> },
    hooks: {
      logMethod(args, method) {
        method.apply(
          this,
          args.map((arg) => (typeof arg === 'string' ? maskText(arg) : arg)) as Parameters<typeof method>,
        )
      },
    },
  }
}
