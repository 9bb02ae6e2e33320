import type { MaterialType } from '../catalogue/material-types.ts'
import type { Policy } from '../policy/policy-schema.ts'
import { addDays, daysBetween, type LocalDate } from '../shared/time.ts'

export type RefusalCode =
  | 'blocked'
  | 'card-lost'
  | 'reference-only'
  | 'not-available'
  | 'not-on-loan'
  | 'reserved'
  | 'renewal-limit'
  | 'overdue'
  | 'unknown-patron'
  | 'unknown-item'

export interface LoanItem {
  materialType: MaterialType
  referenceOnly: boolean
  illLoanDays: number | null
  illMaxRenewals: number | null
  /** An interlibrary loan (from another library), even when the lending library gave no limits. */
  ill?: boolean
}

export function loanDays(policy: Policy, item: LoanItem): number {
  if (item.illLoanDays !== null) return item.illLoanDays
  return policy.loans.daysByType.value[item.materialType] ?? policy.loans.defaultDays.value
}

/** Due date = local checkout (or renewal) date + the loan period. */
export function dueDateFor(policy: Policy, item: LoanItem, fromDate: LocalDate): LocalDate {
  return addDays(fromDate, loanDays(policy, item))
}

export function isReferenceOnly(policy: Policy, item: LoanItem): boolean {
  return item.referenceOnly || policy.loans.referenceOnlyTypes.value.includes(item.materialType)
}

export interface PatronStanding {
  cardLost: boolean
  blocked: boolean
}

/** The first reason a patron may not borrow, renew or reserve, if any. */
export function standingRefusal(patron: PatronStanding): RefusalCode | null {
  if (patron.cardLost) return 'card-lost'
  if (patron.blocked) return 'blocked'
  return null
}

export function maxRenewals(policy: Policy, item: LoanItem): number {
  if (item.ill || item.illMaxRenewals !== null)
    return Math.min(item.illMaxRenewals ?? Number.POSITIVE_INFINITY, policy.renewals.illMax.value)
  return policy.renewals.max.value
}

export type RenewalDecision =
  | { ok: true; newDueDate: LocalDate; lateByDays: number }
  | { ok: false; refusal: RefusalCode }

export function decideRenewal(
  policy: Policy,
  loan: { dueDate: LocalDate; renewals: number },
  item: LoanItem,
  context: { today: LocalDate; patron: PatronStanding; reservedByOthers: boolean },
): RenewalDecision {
  const standing = standingRefusal(context.patron)
  if (standing) return { ok: false, refusal: standing }
  const lateByDays = Math.max(0, daysBetween(loan.dueDate, context.today))
  if (lateByDays > 0 && policy.renewals.whenOverdue.value === 'refuse')
    return { ok: false, refusal: 'overdue' }
  if (context.reservedByOthers) return { ok: false, refusal: 'reserved' }
  if (loan.renewals >= maxRenewals(policy, item)) return { ok: false, refusal: 'renewal-limit' }
  return { ok: true, newDueDate: dueDateFor(policy, item, context.today), lateByDays }
}

/** A loan is declared lost on the run of the date `afterDaysOverdue` days after its due date. */
export function isLostOn(policy: Policy, dueDate: LocalDate, date: LocalDate): boolean {
  return daysBetween(dueDate, date) >= policy.lost.afterDaysOverdue.value
}

/** The latest due date that is lost on `date`. */
export function lostDueDateCutoff(policy: Policy, date: LocalDate): LocalDate {
  return addDays(date, -policy.lost.afterDaysOverdue.value)
}
