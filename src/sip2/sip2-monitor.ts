// The per-machine view for staff: which machines are connected, when each was last heard from, how many
// messages it sent and how many went wrong. Kept in memory by the running service (since its start);
// the last login is also stored with the account.

export interface Sip2MachineStats {
  login: string
  connections: number
  lastSeenAt: Date | null
  messages: number
  /** Messages answered 96 (not understood) or that failed inside laan. */
  errors: number
  lastErrorAt: Date | null
  /** The kind of the last error (never message content). */
  lastError: string | null
}

export class Sip2Monitor {
  private readonly machines = new Map<string, Sip2MachineStats>()

  private of(login: string): Sip2MachineStats {
    let stats = this.machines.get(login)
    if (!stats) {
      stats = {
        login,
        connections: 0,
        lastSeenAt: null,
        messages: 0,
        errors: 0,
        lastErrorAt: null,
        lastError: null,
      }
      this.machines.set(login, stats)
    }
    return stats
  }

  connected(login: string): void {
    this.of(login).connections++
  }

  disconnected(login: string): void {
    const stats = this.of(login)
    stats.connections = Math.max(0, stats.connections - 1)
  }

  message(login: string, at: Date, error: string | null): void {
    const stats = this.of(login)
    stats.messages++
    stats.lastSeenAt = at
    if (error !== null) {
      stats.errors++
      stats.lastErrorAt = at
      stats.lastError = error
    }
  }

  stats(login: string): Sip2MachineStats | undefined {
    const stats = this.machines.get(login)
    return stats && { ...stats }
  }
}
