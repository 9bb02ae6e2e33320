import { parse as parseYaml } from 'yaml'
import { z } from 'zod'
import { MATERIAL_TYPES } from '../catalogue/material-types.ts'
import { issuePaths } from '../shared/errors.ts'
import { isLocalDate } from '../shared/time.ts'

export const MUNICIPALITIES = ['kobenhavn', 'gentofte', 'naestved', 'koge'] as const
export type MunicipalityCode = (typeof MUNICIPALITIES)[number]

/** Where a value comes from: a seed file and the quote that says it, or an assumption and why. */
export const sourceSchema = z.union([
  z.strictObject({ seed: z.string().regex(/^\d{3}$/, 'a seed number like "002"'), quote: z.string().min(1) }),
  z.strictObject({ assumed: z.string().min(1) }),
])
export type Source = z.infer<typeof sourceSchema>

function sourced<T extends z.ZodType>(value: T) {
  return z.strictObject({ value, source: sourceSchema })
}

const ore = z.number().int().nonnegative()
const days = z.number().int().nonnegative()
const materialType = z.enum(MATERIAL_TYPES)
const localDate = z.string().refine(isLocalDate, 'a date YYYY-MM-DD')

const feeTier = z.strictObject({
  fromDay: z.number().int().positive(),
  toDay: z.number().int().positive().nullable(),
  amount: ore,
})

const feeTable = z
  .array(feeTier)
  .min(1)
  .superRefine((tiers, ctx) => {
    let expectedFrom = 1
    tiers.forEach((tier, index) => {
      if (tier.fromDay !== expectedFrom) {
        ctx.addIssue({
          code: 'custom',
          path: [index, 'fromDay'],
          message: `tiers must be contiguous from day 1: expected ${expectedFrom}`,
        })
      }
      if (tier.toDay === null) {
        if (index !== tiers.length - 1) {
          ctx.addIssue({ code: 'custom', path: [index, 'toDay'], message: 'only the last tier may be open' })
        }
      } else {
        if (tier.toDay < tier.fromDay) {
          ctx.addIssue({ code: 'custom', path: [index, 'toDay'], message: 'toDay before fromDay' })
        }
        expectedFrom = tier.toDay + 1
      }
    })
    const last = tiers[tiers.length - 1]
    if (last && last.toDay !== null) {
      ctx.addIssue({
        code: 'custom',
        path: [tiers.length - 1, 'toDay'],
        message: 'the last tier must be open (null)',
      })
    }
  })
export type FeeTier = z.infer<typeof feeTier>

const refundRule = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('none') }),
  z.strictObject({
    kind: z.literal('within-months-of-payment'),
    months: z.number().int().positive(),
    requiresReceipt: z.boolean(),
  }),
])

const blockRule = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('none') }),
  // Gentofte: blocked while the whole outstanding balance is at or above the threshold.
  z.strictObject({ kind: z.literal('balance-threshold'), threshold: ore }),
  // København: a written notice when fees reach the threshold, the block `noticeDays` later,
  // lifted only when the whole balance is paid.
  z.strictObject({
    kind: z.literal('exclusion-after-notice'),
    threshold: ore,
    countedKinds: z.array(z.enum(['overdue-fee', 'dunning-fee', 'replacement', 'processing-fee'])).min(1),
    noticeDays: days,
  }),
])

const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a local time HH:MM')
// Who gets a notice: every patron with an e-mail address or mobile number, or only those who opted in.
const audience = z.enum(['with-contact', 'opted-in'])

export const policySchema = z.strictObject({
  municipality: z.enum(MUNICIPALITIES),
  name: z.string().min(1),
  rulesName: z.string().min(1),
  version: z.number().int().positive(),
  effectiveFrom: localDate,
  loans: z.strictObject({
    defaultDays: sourced(days.min(1)),
    daysByType: sourced(z.partialRecord(materialType, days.min(1))),
    referenceOnlyTypes: sourced(z.array(materialType)),
  }),
  renewals: z.strictObject({
    max: sourced(z.number().int().nonnegative()),
    illMax: sourced(z.number().int().nonnegative()),
    whenOverdue: sourced(z.enum(['refuse', 'renew-and-charge-fee'])),
  }),
  overdueFees: z.strictObject({
    adultFromAge: sourced(z.number().int().positive()),
    adult: sourced(feeTable),
    child: sourced(feeTable),
  }),
  lost: z.strictObject({
    afterDaysOverdue: sourced(days.min(1)),
    chargeTopTierFee: sourced(z.boolean()),
  }),
  replacement: z.strictObject({
    standardPrices: sourced(z.strictObject({ default: ore, byType: z.partialRecord(materialType, ore) })),
    perUnitTypes: sourced(z.array(materialType)),
    preferItemPrice: sourced(z.boolean()),
    illUsesLendingLibraryPrice: sourced(z.boolean()),
    processingFee: sourced(ore),
    // How the patron's explanation names the fee; {title} and {amount} are filled in.
    processingFeeText: sourced(z.string().includes('{amount}')),
  }),
  foundItem: z.strictObject({
    paidReplacementRefund: sourced(refundRule),
  }),
  blocks: z.strictObject({
    fees: sourced(blockRule),
  }),
  reservations: z.strictObject({
    /** Days a reserved item waits on the hold shelf before it goes to the next in the queue. */
    pickupDays: sourced(days.min(1)),
  }),
  notices: z.strictObject({
    /** Local send time of the day's reminders and recalls, by weekday. */
    sendTimes: sourced(z.strictObject({ weekday: clockTime, saturday: clockTime, sunday: clockTime })),
    reminder: sourced(z.strictObject({ daysBeforeDue: days.min(1), to: audience }).nullable()),
    recall: sourced(z.strictObject({ daysAfterDue: days.min(1), to: audience }).nullable()),
    /** What a letter costs to send: recorded on every letter, and charged where the policy says so. */
    letterPostage: sourced(ore),
    /** A reserved item is ready: free by e-mail/SMS; by letter the patron pays the postage when `chargePostage`. */
    reservationReady: sourced(z.strictObject({ chargePostage: z.boolean() }).nullable()),
  }),
  door: z.strictObject({
    /** Staffless opening hours: the door opens for a valid card of a patron this old or more on the day. */
    minimumAge: sourced(z.number().int().nonnegative()),
    /** Days a door entry is kept; the nightly run deletes older entries. */
    logRetentionDays: sourced(days.min(1)),
  }),
  /** What the nightly run deletes, and when (issue 7). */
  privacy: z.strictObject({
    /** Days after the return that a loan keeps its link to the patron; then only the loan itself stays. */
    loanPatronLinkDays: sourced(days),
    /** Years without a physical loan after which a patron with nothing open is deleted. */
    inactivePatronYears: sourced(z.number().int().min(1)),
    /** Days the staff desk's look-up log keeps an entry. */
    staffLookupRetentionDays: sourced(days.min(1)),
  }),
})

export type Policy = z.infer<typeof policySchema>
export type BlockRule = z.infer<typeof blockRule>
export type RefundRule = z.infer<typeof refundRule>
export type NoticePolicy = Policy['notices']
export type DoorPolicy = Policy['door']
export type PrivacyPolicy = Policy['privacy']

export class InvalidPolicyError extends Error {
  readonly issues: { path: string; message: string }[]
  constructor(origin: string, issues: { path: string; message: string }[]) {
    super(`invalid policy ${origin}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`)
    this.issues = issues
  }
}

const MAX_POLICY_FILE_CHARS = 1024 * 1024

/** A policy file's YAML; unreadable or oversized text is refused as an invalid policy naming the file. */
export function parsePolicyYaml(text: string, origin: string): unknown {
  if (text.length > MAX_POLICY_FILE_CHARS)
    throw new InvalidPolicyError(origin, [{ path: '(file)', message: 'policy file is larger than 1 MB' }])
  try {
    return parseYaml(text)
  } catch (error) {
    throw new InvalidPolicyError(origin, [
      { path: '(file)', message: error instanceof Error ? error.message : String(error) },
    ])
  }
}

export function parsePolicy(input: unknown, origin = ''): Policy {
  const result = policySchema.safeParse(input)
  if (!result.success) {
    throw new InvalidPolicyError(
      origin,
      issuePaths(result.error.issues, (path) => path.map(String).join('.') || '(root)'),
    )
  }
  return result.data
}
