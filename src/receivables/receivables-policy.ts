import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'
import { InvalidPolicyError, MUNICIPALITIES, parsePolicyYaml, sourceSchema } from '../policy/policy-schema.ts'
import { issuePaths } from '../shared/errors.ts'
import { isLocalDate, type LocalDate } from '../shared/time.ts'

// A municipality's receivables rules (Mit Betalingsoverblik): who issues bills, when a library charge
// becomes a claim, deadlines, dunning, interest and payouts. Versioned and sourced like the library policy.

function sourced<T extends z.ZodType>(value: T) {
  return z.strictObject({ value, source: sourceSchema })
}

const ore = z.number().int().nonnegative()
const days = z.number().int().nonnegative()
const localDate = z.string().refine(isLocalDate, 'a date YYYY-MM-DD')

const contact = z.strictObject({
  who: z.string().min(1),
  phone: z.string().min(1).optional(),
  web: z.string().min(1).optional(),
})

const issuer = z.strictObject({
  code: z.string().regex(/^[a-z0-9-]+$/, 'lower-case letters, digits and dashes'),
  name: z.string().min(1),
  handles: z.string().min(1),
  phone: z.string().min(1).nullable(),
  library: z.boolean().default(false),
  // The dunning ladder this issuer's claims follow instead of their legal kind's (Køge's property path).
  ladder: z.string().min(1).optional(),
})

const ladder = z.strictObject({
  fees: z.array(ore).min(1),
  firstAfterDays: days,
  intervalDays: days.min(1),
  letterDeadlineDays: days.min(1),
})

export const PAYMENT_CHANNELS = [
  'mbo-card',
  'mobilepay',
  'bank',
  'betalingsservice',
  'borgerservice',
] as const
export type PaymentChannel = (typeof PAYMENT_CHANNELS)[number] | 'gaeldsstyrelsen' | 'offset'

export const receivablesPolicySchema = z
  .strictObject({
    municipality: z.enum(MUNICIPALITIES),
    authority: z.string().min(1),
    version: z.number().int().positive(),
    effectiveFrom: localDate,
    creditorNumber: sourced(z.string().regex(/^\d{8}$/, '8 digits')),
    senderCvr: sourced(z.string().regex(/^\d{8}$/, '8 digits')),
    contacts: z.strictObject({
      payment: sourced(contact),
      reason: sourced(contact),
      complaint: sourced(contact),
    }),
    issuers: sourced(z.array(issuer).min(1)),
    handOver: z.strictObject({
      // Charges dated before this go over as legacy balances (Gentofte's switch on 2022-08-15).
      from: sourced(localDate),
      delayDays: sourced(days),
      minimumAmount: sourced(ore),
    }),
    billing: z.strictObject({
      deadlineDays: sourced(days.min(1)),
    }),
    paymentChannels: sourced(z.array(z.enum(PAYMENT_CHANNELS)).min(1)),
    legacyChannels: sourced(z.array(z.enum(PAYMENT_CHANNELS)).min(1)),
    dunning: z.strictObject({
      ladders: sourced(z.record(z.string(), ladder)),
      interestPercentPerStartedMonth: sourced(z.number().int().nonnegative()),
    }),
    transfer: z.strictObject({
      afterLastDeadlineDays: sourced(days.min(1)),
    }),
    payouts: z.strictObject({
      bankDays: sourced(days.min(1)),
    }),
    instalments: z.strictObject({
      minimumAmount: sourced(ore),
      maxMonths: sourced(z.number().int().min(2)),
    }),
    deadlineExtension: z.strictObject({
      maxDays: sourced(days.min(1)),
    }),
    // Which due claims a public payout is offset against first.
    offsetOrder: sourced(z.array(z.enum(['public', 'civil'])).min(1)),
  })
  .superRefine((policy, ctx) => {
    for (const required of ['public', 'civil']) {
      if (!policy.dunning.ladders.value[required]) {
        ctx.addIssue({
          code: 'custom',
          path: ['dunning', 'ladders', 'value', required],
          message: `a ${required}-law ladder is required`,
        })
      }
    }
    policy.issuers.value.forEach((entry, index) => {
      if (entry.ladder && !policy.dunning.ladders.value[entry.ladder]) {
        ctx.addIssue({
          code: 'custom',
          path: ['issuers', 'value', index, 'ladder'],
          message: `no ladder named ${entry.ladder}`,
        })
      }
    })
    if (!policy.issuers.value.some((entry) => entry.library)) {
      ctx.addIssue({ code: 'custom', path: ['issuers', 'value'], message: 'the library must be an issuer' })
    }
  })

export type ReceivablesPolicy = z.infer<typeof receivablesPolicySchema>
export type Ladder = z.infer<typeof ladder>
export type IssuerPolicy = z.infer<typeof issuer>

export function parseReceivablesPolicy(input: unknown, origin = ''): ReceivablesPolicy {
  const result = receivablesPolicySchema.safeParse(input)
  if (!result.success) {
    throw new InvalidPolicyError(
      origin,
      issuePaths(result.error.issues, (path) => path.map(String).join('.') || '(root)'),
    )
  }
  return result.data
}

export const RECEIVABLES_POLICY_DIR = fileURLToPath(new URL('../../policies/receivables/', import.meta.url))

export function readReceivablesPolicyFiles(dir = RECEIVABLES_POLICY_DIR): ReceivablesPolicy[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.yaml') || name.endsWith('.yml'))
    .sort()
    .map((name) => parseReceivablesPolicy(parsePolicyYaml(readFileSync(join(dir, name), 'utf8'), name), name))
}

export class UnknownReceivablesError extends Error {
  constructor(readonly municipality: string) {
    super(`no receivables policy for municipality: ${municipality}`)
  }
}

/** The receivables policy versions by municipality. */
export class ReceivablesCatalog {
  readonly #versions = new Map<string, ReceivablesPolicy[]>()

  constructor(policies: readonly ReceivablesPolicy[]) {
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

  all(): ReceivablesPolicy[] {
    return [...this.#versions.values()].flat()
  }

  inForce(municipality: string, date: LocalDate): ReceivablesPolicy {
    const list = this.#versions.get(municipality)
    if (!list) throw new UnknownReceivablesError(municipality)
    let current = list[0] as ReceivablesPolicy
    for (const policy of list) if (policy.effectiveFrom <= date) current = policy
    return current
  }
}
