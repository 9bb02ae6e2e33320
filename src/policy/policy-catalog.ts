import type { LocalDate } from '../shared/time.ts'
import type { Policy } from './policy-schema.ts'

export class UnknownMunicipalityError extends Error {
  constructor(readonly municipality: string) {
    super(`unknown municipality: ${municipality}`)
  }
}

/** All policy versions, by municipality, answering which version is in force on a date. */
export class PolicyCatalog {
  readonly #versions = new Map<string, Policy[]>()

  constructor(policies: readonly Policy[]) {
    for (const policy of policies) {
      const list = this.#versions.get(policy.municipality) ?? []
      list.push(policy)
      this.#versions.set(policy.municipality, list)
    }
    for (const list of this.#versions.values())
      list.sort((a, b) => a.effectiveFrom.localeCompare(b.effectiveFrom))
  }

  municipalities(): string[] {
    return [...this.#versions.keys()].sort()
  }

  has(municipality: string): boolean {
    return this.#versions.has(municipality)
  }

  versions(municipality: string): readonly Policy[] {
    const list = this.#versions.get(municipality)
    if (!list) throw new UnknownMunicipalityError(municipality)
    return list
  }

  /** The version in force on `date`; before the first version, the first one. */
  inForce(municipality: string, date: LocalDate): Policy {
    const list = this.versions(municipality)
    let current = list[0] as Policy
    for (const policy of list) if (policy.effectiveFrom <= date) current = policy
    return current
  }

  version(municipality: string, version: number): Policy {
    const found = this.versions(municipality).find((p) => p.version === version)
    if (!found) throw new Error(`${municipality} has no policy version ${version}`)
    return found
  }
}
