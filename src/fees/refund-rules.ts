import type { RefundRule } from '../policy/policy-schema.ts'
import { addMonths, type LocalDate } from '../shared/time.ts'

/** Whether a paid replacement is refunded when the lost item comes back on `returnedOn`. */
export function refundsPaidReplacement(
  rule: RefundRule,
  paidOn: LocalDate,
  returnedOn: LocalDate,
  receiptShown: boolean,
): boolean {
  if (rule.kind === 'none') return false
  if (rule.requiresReceipt && !receiptShown) return false
  return returnedOn <= addMonths(paidOn, rule.months)
}
