import type { MaterialType } from '../catalogue/material-types.ts'
import type { NewCharge } from '../db/schema.ts'
import type { Policy } from '../policy/policy-schema.ts'
import { formatKroner } from '../shared/money.ts'
import type { LocalDate } from '../shared/time.ts'
import {
  explainOverdueFee,
  explainProcessingFee,
  explainReplacement,
  type FeeOccasion,
  lostOverdueFee,
  type OverdueFee,
  overdueFee,
  replacementFor,
} from './fee-rules.ts'

export interface ChargeableLoan {
  loanId: number
  municipality: string
  patronId: number
  itemId: number
  dueDate: LocalDate
  birthDate: LocalDate
}

export interface ChargeableItem {
  title: string
  materialType: string
  units: number
  price: number | null
  illPrice: number | null
  illLendingLibrary: string | null
}

const OVERDUE_RULE: Record<FeeOccasion, string> = {
  return: 'overdue-fee-on-return',
  renewal: 'overdue-fee-on-late-renewal',
  lost: 'overdue-fee-top-tier-on-lost',
}

function overdueCharge(
  policy: Policy,
  loan: ChargeableLoan,
  fee: OverdueFee,
  occasion: FeeOccasion,
  date: LocalDate,
  at: Date,
): NewCharge {
  return {
    municipality: loan.municipality,
    patronId: loan.patronId,
    loanId: loan.loanId,
    itemId: loan.itemId,
    kind: 'overdue-fee',
    amount: fee.amount,
    chargeDate: date,
    createdAt: at,
    policyVersion: policy.version,
    rule: OVERDUE_RULE[occasion],
    dueDate: fee.dueDate,
    daysOverdue: fee.daysOverdue,
    explanation: explainOverdueFee(policy, fee, occasion),
    details: JSON.stringify({
      category: fee.category,
      tier: fee.tier,
      tariff: `overdueFees.${fee.category}`,
      source: policy.overdueFees[fee.category].source,
    }),
    settledAt: null,
  }
}

/** The overdue fee for a return or late renewal on `date`, or none when on time or the tier costs 0 kr. */
export function overdueChargeFor(
  policy: Policy,
  loan: ChargeableLoan,
  occasion: 'return' | 'renewal',
  date: LocalDate,
  at: Date,
): NewCharge | null {
  const fee = overdueFee(policy, loan, date)
  if (!fee || fee.amount === 0) return null
  return overdueCharge(policy, loan, fee, occasion, date, at)
}

/** The charges of a loan declared lost on `date`: the top-tier fee, the replacement and the processing fee. */
export function lostChargesFor(
  policy: Policy,
  loan: ChargeableLoan,
  item: ChargeableItem,
  date: LocalDate,
  at: Date,
): NewCharge[] {
  const charges: NewCharge[] = []
  if (policy.lost.chargeTopTierFee.value) {
    const fee = lostOverdueFee(policy, loan, date)
    if (fee.amount > 0) charges.push(overdueCharge(policy, loan, fee, 'lost', date, at))
  }
  const replacementItem = { ...item, materialType: item.materialType as MaterialType }
  const replacement = replacementFor(policy, replacementItem)
  const common = {
    municipality: loan.municipality,
    patronId: loan.patronId,
    loanId: loan.loanId,
    itemId: loan.itemId,
    chargeDate: date,
    createdAt: at,
    policyVersion: policy.version,
    dueDate: loan.dueDate,
    daysOverdue: null,
    settledAt: null,
  }
  if (replacement.amount > 0) {
    charges.push({
      ...common,
      kind: 'replacement',
      amount: replacement.amount,
      rule: `replacement-${replacement.basis}`,
      explanation: explainReplacement(policy, replacementItem, replacement),
      details: JSON.stringify({
        basis: replacement.basis,
        materialType: item.materialType,
        units: item.units,
        source: policy.replacement.standardPrices.source,
      }),
    })
  }
  if (replacement.processingFee > 0) {
    charges.push({
      ...common,
      kind: 'processing-fee',
      amount: replacement.processingFee,
      rule: 'processing-fee-per-item',
      explanation: explainProcessingFee(policy, replacementItem, replacement.processingFee),
      details: JSON.stringify({ source: policy.replacement.processingFee.source }),
    })
  }
  return charges
}

/** The postage of a reservation-ready letter (002: "Låneren betaler portoen for reserveringsmeddelelser pr. brev"). */
export function postageChargeFor(
  policy: Policy,
  input: { municipality: string; patronId: number; reservationId: number; title: string; amount: number },
  date: LocalDate,
  at: Date,
): NewCharge {
  return {
    municipality: input.municipality,
    patronId: input.patronId,
    loanId: null,
    itemId: null,
    kind: 'postage',
    amount: input.amount,
    chargeDate: date,
    createdAt: at,
    policyVersion: policy.version,
    rule: 'reservation-ready-letter-postage',
    dueDate: null,
    daysOverdue: null,
    explanation: `Porto for brev om at "${input.title}" er klar til afhentning: ${formatKroner(input.amount)}. Låneren betaler portoen for reserveringsmeddelelser pr. brev, også selvom materialet ikke afhentes.`,
    details: JSON.stringify({
      reservation: input.reservationId,
      tariff: 'notices.letterPostage',
      source: policy.notices.letterPostage.source,
    }),
    settledAt: null,
  }
}
