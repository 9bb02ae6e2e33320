export interface Clock {
  now(): Date
}

export const systemClock: Clock = { now: () => new Date() }

/** A clock that only moves when told to: the scenario runner and tests drive it. */
export class SimulatedClock implements Clock {
  #now: Date
  constructor(start: Date) {
    this.#now = new Date(start)
  }
  now(): Date {
    return new Date(this.#now)
  }
  set(instant: Date): void {
    this.#now = new Date(instant)
  }
}
