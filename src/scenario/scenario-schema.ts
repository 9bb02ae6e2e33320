import { parse as parseYaml } from 'yaml'
import { z } from 'zod'
import { MATERIAL_TYPES } from '../catalogue/material-types.ts'
import { birthDateFromCpr, InvalidCprError } from '../patrons/cpr.ts'
import { PAYMENT_CHANNELS } from '../receivables/receivables-policy.ts'
import { issuePaths } from '../shared/errors.ts'
import { addDays, instantOfLocal, isLocalDate } from '../shared/time.ts'

const localDate = z.string().refine(isLocalDate, 'a date YYYY-MM-DD')
const instant = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/,
    'a time with offset, e.g. 2026-03-02T10:00:00+01:00',
  )
  .refine((value) => isLocalDate(value.slice(0, 10)) && !Number.isNaN(Date.parse(value)), 'not a real time')
// YAML reads an unquoted barcode as a number; a barcode is text.
const code = z.union([z.string().min(1), z.number().int().nonnegative().transform(String)])
const ore = z.number().int().nonnegative()

const patron = z.strictObject({
  id: code,
  name: z.string().optional(),
  birthDate: localDate.optional(),
  cpr: z.string().optional(),
  email: z.string().optional(),
  phone: z.string().optional(),
  remindersOptIn: z.boolean().optional(),
  digitalPost: z.boolean().optional(),
  guardian: code.optional(),
  noticeChannels: z
    .array(z.enum(['email', 'sms']))
    .min(1)
    .optional(),
  language: z.enum(['da', 'en']).optional(),
})

const item = z.strictObject({
  id: code,
  materialType: z.enum(MATERIAL_TYPES),
  title: z.string().min(1).optional(),
  author: z.string().optional(),
  price: ore.optional(),
  units: z.number().int().positive().optional(),
  referenceOnly: z.boolean().optional(),
  ill: z
    .strictObject({
      lendingLibrary: z.string().optional(),
      loanDays: z.number().int().positive().optional(),
      maxRenewals: z.number().int().nonnegative().optional(),
      price: ore.optional(),
    })
    .optional(),
})

const base = { at: instant }
const paymentChannel = z.enum(PAYMENT_CHANNELS)
// A claim by its number in the output (1, 2, …) or its payment ID.
const claimRef = {
  claim: z.number().int().positive().optional(),
  paymentId: z.union([z.string().min(1), z.number().int().nonnegative().transform(String)]).optional(),
}
const event = z.discriminatedUnion('type', [
  z.strictObject({ ...base, type: z.literal('checkout'), patron: code, item: code }),
  z.strictObject({ ...base, type: z.literal('checkin'), item: code, receipt: z.boolean().optional() }),
  z.strictObject({ ...base, type: z.literal('renew'), item: code, patron: code.optional() }),
  z.strictObject({ ...base, type: z.literal('reserve'), patron: code, item: code }),
  z.strictObject({ ...base, type: z.literal('cancel-reservation'), patron: code, item: code }),
  z.strictObject({
    ...base,
    type: z.literal('pay'),
    patron: code,
    amount: z.number().int().positive(),
    channel: paymentChannel.optional(),
  }),
  z.strictObject({
    ...base,
    ...claimRef,
    type: z.literal('pay-claim'),
    amount: z.number().int().positive(),
    channel: paymentChannel.default('bank'),
  }),
  z.strictObject({ ...base, ...claimRef, type: z.literal('apply-instalments'), months: z.number().int() }),
  z.strictObject({ ...base, ...claimRef, type: z.literal('extend-deadline'), days: z.number().int() }),
  z.strictObject({
    ...base,
    ...claimRef,
    type: z.literal('appeal'),
    text: z.string().min(1).default('Klage over regningen'),
  }),
  z.strictObject({
    ...base,
    ...claimRef,
    type: z.literal('appeal-decision'),
    outcome: z.enum(['upheld', 'written-down', 'rejected']),
    amount: z.number().int().positive().optional(),
    decision: z.string().optional(),
  }),
  z.strictObject({ ...base, ...claimRef, type: z.literal('betalingsservice') }),
  z.strictObject({
    ...base,
    type: z.literal('payout'),
    patron: code,
    amount: z.number().int().positive(),
    source: z.string().min(1).default('Overskydende skat'),
  }),
  z.strictObject({ ...base, type: z.literal('bank-file'), path: z.string().min(1) }),
  z.strictObject({
    ...base,
    type: z.literal('pause-billing'),
    issuer: z.string().min(1).optional(),
    legalKind: z.enum(['public', 'civil']).optional(),
    reason: z.string().min(1).optional(),
  }),
  z.strictObject({
    ...base,
    type: z.literal('resume-billing'),
    issuer: z.string().min(1).optional(),
    legalKind: z.enum(['public', 'civil']).optional(),
  }),
  z.strictObject({ ...base, type: z.literal('report-card-lost'), patron: code }),
])

export const scenarioSchema = z
  .strictObject({
    municipality: z.enum(['kobenhavn', 'gentofte', 'naestved']),
    until: localDate,
    patrons: z.array(patron).default([]),
    items: z.array(item).default([]),
    events: z.array(event).default([]),
  })
  .superRefine((scenario, ctx) => {
    const patronIds = new Set<string>()
    scenario.patrons.forEach((p, i) => {
      if (patronIds.has(p.id))
        ctx.addIssue({ code: 'custom', path: ['patrons', i, 'id'], message: `duplicate patron id ${p.id}` })
      patronIds.add(p.id)
      if (p.birthDate === undefined && p.cpr === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['patrons', i, 'birthDate'],
          message: 'birthDate or cpr is required',
        })
      }
      if (p.cpr !== undefined) {
        try {
          const fromCpr = birthDateFromCpr(p.cpr)
          if (p.birthDate !== undefined && p.birthDate !== fromCpr) {
            ctx.addIssue({
              code: 'custom',
              path: ['patrons', i, 'birthDate'],
              message: `the CPR number says ${fromCpr}`,
            })
          }
        } catch (error) {
          if (!(error instanceof InvalidCprError)) throw error
          ctx.addIssue({ code: 'custom', path: ['patrons', i, 'cpr'], message: error.message })
        }
      }
    })
    const guardianOf = new Map(scenario.patrons.map((p) => [p.id, p.guardian]))
    scenario.patrons.forEach((p, i) => {
      const seen = new Set([p.id])
      for (let g = p.guardian; g !== undefined; g = guardianOf.get(g)) {
        if (seen.has(g)) {
          ctx.addIssue({
            code: 'custom',
            path: ['patrons', i, 'guardian'],
            message: 'guardians go round in a circle',
          })
          break
        }
        seen.add(g)
      }
    })
    scenario.patrons.forEach((p, i) => {
      if (p.guardian !== undefined && !patronIds.has(p.guardian)) {
        ctx.addIssue({
          code: 'custom',
          path: ['patrons', i, 'guardian'],
          message: `unknown patron id ${p.guardian}`,
        })
      }
    })
    const itemIds = new Set<string>()
    scenario.items.forEach((it, i) => {
      if (itemIds.has(it.id))
        ctx.addIssue({ code: 'custom', path: ['items', i, 'id'], message: `duplicate item id ${it.id}` })
      itemIds.add(it.id)
    })
    const endOfUntil = isLocalDate(scenario.until)
      ? instantOfLocal(addDays(scenario.until, 1)).getTime()
      : Number.POSITIVE_INFINITY
    let previous = Number.NEGATIVE_INFINITY
    scenario.events.forEach((e, i) => {
      const at = Date.parse(e.at)
      if (at < previous)
        ctx.addIssue({ code: 'custom', path: ['events', i, 'at'], message: 'events must be in time order' })
      if (at >= endOfUntil) {
        ctx.addIssue({
          code: 'custom',
          path: ['events', i, 'at'],
          message: `after until (${scenario.until})`,
        })
      }
      previous = at
      if ('patron' in e && e.patron !== undefined && !patronIds.has(e.patron)) {
        ctx.addIssue({
          code: 'custom',
          path: ['events', i, 'patron'],
          message: `unknown patron id ${e.patron}`,
        })
      }
      if ('paymentId' in e && (e.claim === undefined) === (e.paymentId === undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: ['events', i, 'claim'],
          message: 'give claim or paymentId (one of them)',
        })
      }
      if ('item' in e && !itemIds.has(e.item)) {
        ctx.addIssue({ code: 'custom', path: ['events', i, 'item'], message: `unknown item id ${e.item}` })
      }
    })
  })

export type Scenario = z.infer<typeof scenarioSchema>
export type ScenarioEvent = Scenario['events'][number]

export class InvalidScenarioError extends Error {
  constructor(readonly issues: { path: string; message: string }[]) {
    super(`invalid scenario: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`)
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = ''
  for (const part of path)
    out += typeof part === 'number' ? `[${part}]` : out === '' ? String(part) : `.${String(part)}`
  return out || '(root)'
}

const MAX_SCENARIO_CHARS = 50 * 1024 * 1024

/** Parses a scenario file's text (YAML or JSON); an invalid one throws naming the path of each bad field. */
export function parseScenario(text: string): Scenario {
  if (text.length > MAX_SCENARIO_CHARS) {
    throw new InvalidScenarioError([
      { path: '(file)', message: `scenario file is larger than ${MAX_SCENARIO_CHARS / 1024 / 1024} MB` },
    ])
  }
  let raw: unknown
  try {
    raw = parseYaml(text)
  } catch (error) {
    throw new InvalidScenarioError([
      { path: '(file)', message: error instanceof Error ? error.message : String(error) },
    ])
  }
  const result = scenarioSchema.safeParse(raw)
  if (!result.success) {
    throw new InvalidScenarioError(issuePaths(result.error.issues, formatPath))
  }
  return result.data
}
