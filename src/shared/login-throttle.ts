// Wrong passwords per login name, kept in memory by the process that checks them: after `maxFailures`
// within `windowMs` the name is refused without checking for `lockMs`. For machine accounts (SIP2 93 and
// the FBS envelope), whose passwords are long and whose callers retry on their own; patrons' PINs are
// counted in the database instead (patrons/pin-attempts.ts).

export interface LoginThrottleOptions {
  maxFailures: number
  windowMs: number
  lockMs: number
}

const DEFAULTS: LoginThrottleOptions = { maxFailures: 5, windowMs: 5 * 60_000, lockMs: 5 * 60_000 }
/** Names remembered at most; the oldest are forgotten first, so guessing many names cannot fill memory. */
const MAX_NAMES = 10_000

export class LoginThrottle {
  private readonly options: LoginThrottleOptions
  private readonly failures = new Map<string, { count: number; since: number; lockedUntil: number }>()

  constructor(options: Partial<LoginThrottleOptions> = {}) {
    this.options = { ...DEFAULTS, ...options }
  }

  /** The instant until which the name is refused, or null when it may try. */
  lockedUntil(name: string, now: Date): Date | null {
    const entry = this.failures.get(name)
    return entry && entry.lockedUntil > now.getTime() ? new Date(entry.lockedUntil) : null
  }

  failed(name: string, now: Date): void {
    const at = now.getTime()
    let entry = this.failures.get(name)
    if (!entry || at - entry.since > this.options.windowMs) {
      entry = { count: 0, since: at, lockedUntil: 0 }
    }
    this.failures.delete(name)
    entry.count++
    if (entry.count >= this.options.maxFailures) {
      entry.lockedUntil = at + this.options.lockMs
      entry.count = 0
      entry.since = at
    }
    this.failures.set(name, entry)
    if (this.failures.size > MAX_NAMES) {
      const oldest = this.failures.keys().next().value
      if (oldest !== undefined) this.failures.delete(oldest)
    }
  }

  succeeded(name: string): void {
    this.failures.delete(name)
  }
}
