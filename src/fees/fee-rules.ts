import { DANISH_MATERIAL_NAMES, type MaterialType } from '../catalogue/material-types.ts'
import type { FeeTier, Policy } from '../policy/policy-schema.ts'
import { formatKroner, type Ore } from '../shared/money.ts'
import { ageOn, daysBetween, formatDanishDate, type LocalDate } from '../shared/time.ts'

export type PatronCategory = 'adult' | 'child'

/** Child or adult by the patron's age on the loan's due date. */
export function patronCategory(policy: Policy, birthDate: LocalDate, dueDate: LocalDate): PatronCategory {
  return ageOn(birthDate, dueDate) >= policy.overdueFees.adultFromAge.value ? 'adult' : 'child'
}

export function daysOverdue(dueDate: LocalDate, onDate: LocalDate): number {
  return Math.max(0, daysBetween(dueDate, onDate))
}

export function tierFor(tiers: readonly FeeTier[], days: number): FeeTier | undefined {
  return tiers.find((tier) => days >= tier.fromDay && (tier.toDay === null || days <= tier.toDay))
}

export interface OverdueFee {
  amount: Ore
  category: PatronCategory
  tier: FeeTier
  daysOverdue: number
  dueDate: LocalDate
}

/** The fee for an item returned (or renewed) `onDate`: the whole fee of the tier holding the days overdue. */
export function overdueFee(
  policy: Policy,
  loan: { dueDate: LocalDate; birthDate: LocalDate },
  onDate: LocalDate,
): OverdueFee | null {
  const days = daysOverdue(loan.dueDate, onDate)
  if (days === 0) return null
  const category = patronCategory(policy, loan.birthDate, loan.dueDate)
  const tier = tierFor(policy.overdueFees[category].value, days)
  if (!tier) return null
  return { amount: tier.amount, category, tier, daysOverdue: days, dueDate: loan.dueDate }
}

/** The top tier's fee, charged when a loan is declared lost. */
export function lostOverdueFee(
  policy: Policy,
  loan: { dueDate: LocalDate; birthDate: LocalDate },
  onDate: LocalDate,
): OverdueFee {
  const category = patronCategory(policy, loan.birthDate, loan.dueDate)
  const tiers = policy.overdueFees[category].value
  const tier = tiers[tiers.length - 1] as FeeTier
  return {
    amount: tier.amount,
    category,
    tier,
    daysOverdue: daysOverdue(loan.dueDate, onDate),
    dueDate: loan.dueDate,
  }
}

export function tierLabel(tier: FeeTier): string {
  return tier.toDay === null ? `over ${tier.fromDay - 1} dage` : `${tier.fromDay}–${tier.toDay} dage`
}

const CATEGORY_LABEL: Record<PatronCategory, string> = { adult: 'voksne', child: 'børn' }

export type FeeOccasion = 'return' | 'renewal' | 'lost'

export function explainOverdueFee(policy: Policy, fee: OverdueFee, occasion: FeeOccasion): string {
  const deadline = `(frist ${formatDanishDate(fee.dueDate)})`
  const what =
    occasion === 'return'
      ? `Afleveret ${fee.daysOverdue} ${fee.daysOverdue === 1 ? 'dag' : 'dage'} for sent ${deadline}.`
      : occasion === 'renewal'
        ? `Fornyet ${fee.daysOverdue} ${fee.daysOverdue === 1 ? 'dag' : 'dage'} for sent ${deadline}.`
        : `Ikke afleveret ${fee.daysOverdue} dage efter fristen ${deadline} og derfor betragtet som bortkommet.`
  return `${what} Takst for ${CATEGORY_LABEL[fee.category]}, ${tierLabel(fee.tier)}: ${formatKroner(fee.amount)}. Kilde: ${policy.rulesName}.`
}

export interface ReplacementItem {
  title: string
  materialType: MaterialType
  units: number
  price: Ore | null
  illPrice: Ore | null
  illLendingLibrary: string | null
}

export type ReplacementBasis = 'item-price' | 'ill-price' | 'standard-price'

export interface Replacement {
  amount: Ore
  basis: ReplacementBasis
  processingFee: Ore
}

export function replacementFor(policy: Policy, item: ReplacementItem): Replacement {
  const rules = policy.replacement
  const processingFee = rules.processingFee.value
  if (item.illPrice !== null && rules.illUsesLendingLibraryPrice.value) {
    return { amount: item.illPrice, basis: 'ill-price', processingFee }
  }
  if (item.price !== null && rules.preferItemPrice.value) {
    return { amount: item.price, basis: 'item-price', processingFee }
  }
  const prices = rules.standardPrices.value
  const unitPrice = prices.byType[item.materialType] ?? prices.default
  const units = rules.perUnitTypes.value.includes(item.materialType) ? item.units : 1
  return { amount: unitPrice * units, basis: 'standard-price', processingFee }
}

export function explainReplacement(policy: Policy, item: ReplacementItem, replacement: Replacement): string {
  const type = DANISH_MATERIAL_NAMES[item.materialType]
  const price =
    replacement.basis === 'ill-price'
      ? `det långivende biblioteks${item.illLendingLibrary ? ` (${item.illLendingLibrary})` : ''} erstatningspris ${formatKroner(replacement.amount)}`
      : replacement.basis === 'item-price'
        ? `materialets genanskaffelsespris ${formatKroner(replacement.amount)}`
        : policy.replacement.perUnitTypes.value.includes(item.materialType) && item.units > 1
          ? `standardpris for ${type}: ${item.units} enheder à ${formatKroner(replacement.amount / item.units)} = ${formatKroner(replacement.amount)}`
          : `standardpris for ${type}: ${formatKroner(replacement.amount)}`
  return `Erstatning for «${item.title}» (${type}), som er meldt bortkommet: ${price}. Kilde: ${policy.rulesName}.`
}

export function explainProcessingFee(policy: Policy, item: ReplacementItem, amount: Ore): string {
  const text = policy.replacement.processingFeeText.value
    .replace('{title}', item.title)
    .replace('{amount}', formatKroner(amount))
  return `${text} Kilde: ${policy.rulesName}.`
}
