import { DANISH_MATERIAL_NAMES, type MaterialType } from '../catalogue/material-types.ts'
import { tierLabel } from '../fees/fee-rules.ts'
import { formatKroner } from '../shared/money.ts'
import type { FeeTier, Policy, Source } from './policy-schema.ts'

function source(s: Source): string {
  return 'seed' in s ? `[${s.seed}] «${s.quote}»` : `[antaget] ${s.assumed}`
}

function tiers(list: readonly FeeTier[]): string {
  return list.map((t) => `${tierLabel(t)}: ${formatKroner(t.amount)}`).join(' · ')
}

/** A policy version as readable text, every value with its source. */
export function formatPolicy(policy: Policy): string {
  const lines: string[] = []
  const add = (label: string, value: string, src: Source) => {
    lines.push(`  ${label}: ${value}`)
    lines.push(`      kilde ${source(src)}`)
  }
  lines.push(`${policy.name} — ${policy.rulesName}`)
  lines.push(`version ${policy.version}, gælder fra ${policy.effectiveFrom}`)
  lines.push('')
  lines.push('Lån')
  add('lånetid', `${policy.loans.defaultDays.value} dage`, policy.loans.defaultDays.source)
  const byType = Object.entries(policy.loans.daysByType.value)
  add(
    'lånetid efter materialetype',
    byType.length === 0
      ? '(ingen særlige)'
      : byType.map(([t, d]) => `${DANISH_MATERIAL_NAMES[t as MaterialType]} ${d}`).join(', '),
    policy.loans.daysByType.source,
  )
  const ref = policy.loans.referenceOnlyTypes.value
  add(
    'kun til brug på stedet',
    ref.length === 0 ? '(ingen typer)' : ref.map((t) => DANISH_MATERIAL_NAMES[t]).join(', '),
    policy.loans.referenceOnlyTypes.source,
  )
  lines.push('Fornyelse')
  add('højst', `${policy.renewals.max.value} gange`, policy.renewals.max.source)
  add('fjernlån højst', `${policy.renewals.illMax.value} gange`, policy.renewals.illMax.source)
  add(
    'efter fristen',
    policy.renewals.whenOverdue.value === 'refuse' ? 'afvises' : 'tilladt, med gebyr for overskridelsen',
    policy.renewals.whenOverdue.source,
  )
  lines.push('Gebyrer for overskridelse (pr. materiale)')
  add(
    `voksne (fra ${policy.overdueFees.adultFromAge.value} år)`,
    tiers(policy.overdueFees.adult.value),
    policy.overdueFees.adult.source,
  )
  add('børn', tiers(policy.overdueFees.child.value), policy.overdueFees.child.source)
  lines.push('Bortkomne materialer')
  add(
    'bortkommet efter',
    `${policy.lost.afterDaysOverdue.value} dage over fristen`,
    policy.lost.afterDaysOverdue.source,
  )
  add(
    'højeste gebyr opkræves også',
    policy.lost.chargeTopTierFee.value ? 'ja' : 'nej',
    policy.lost.chargeTopTierFee.source,
  )
  const prices = policy.replacement.standardPrices.value
  add(
    'standardpriser',
    [
      ...Object.entries(prices.byType).map(
        ([t, p]) => `${DANISH_MATERIAL_NAMES[t as MaterialType]} ${formatKroner(p)}`,
      ),
      `øvrige ${formatKroner(prices.default)}`,
    ].join(', '),
    policy.replacement.standardPrices.source,
  )
  add(
    'materialets egen pris først',
    policy.replacement.preferItemPrice.value ? 'ja' : 'nej',
    policy.replacement.preferItemPrice.source,
  )
  add(
    'fjernlån: det långivende biblioteks pris',
    policy.replacement.illUsesLendingLibraryPrice.value ? 'ja' : 'nej',
    policy.replacement.illUsesLendingLibraryPrice.source,
  )
  add(
    'klargøring',
    formatKroner(policy.replacement.processingFee.value),
    policy.replacement.processingFee.source,
  )
  add(
    'klargøring forklares som',
    policy.replacement.processingFeeText.value,
    policy.replacement.processingFeeText.source,
  )
  const refund = policy.foundItem.paidReplacementRefund.value
  add(
    'betalt erstatning refunderes',
    refund.kind === 'none'
      ? 'nej'
      : `inden for ${refund.months} måneder efter betaling${refund.requiresReceipt ? ' mod kvittering' : ''}`,
    policy.foundItem.paidReplacementRefund.source,
  )
  lines.push('Blokering')
  const block = policy.blocks.fees.value
  add(
    'ved gæld',
    block.kind === 'none'
      ? 'ingen'
      : block.kind === 'balance-threshold'
        ? `automatisk ved ${formatKroner(block.threshold)} eller derover, ophæves under grænsen`
        : `skriftligt varsel ved ${formatKroner(block.threshold)} i gebyrer, udelukkelse ${block.noticeDays} dage efter, ophæves når alt er betalt`,
    policy.blocks.fees.source,
  )
  lines.push('Reserveringer')
  add('afhentes inden', `${policy.reservations.pickupDays.value} dage`, policy.reservations.pickupDays.source)
  lines.push('Meddelelser')
  const times = policy.notices.sendTimes.value
  add(
    'sendes',
    `mandag-fredag kl. ${times.weekday}, lørdag kl. ${times.saturday}, søndag kl. ${times.sunday}`,
    policy.notices.sendTimes.source,
  )
  const audience = (to: 'with-contact' | 'opted-in') =>
    to === 'opted-in' ? 'til lånere, der har tilmeldt sig' : 'til lånere med e-mail eller mobilnummer'
  const reminder = policy.notices.reminder.value
  add(
    'påmindelse',
    reminder === null ? 'ingen' : `${reminder.daysBeforeDue} dage før fristen, ${audience(reminder.to)}`,
    policy.notices.reminder.source,
  )
  const recall = policy.notices.recall.value
  add(
    'hjemkaldelse',
    recall === null ? 'ingen' : `${recall.daysAfterDue} dage efter fristen, ${audience(recall.to)}`,
    policy.notices.recall.source,
  )
  add('porto pr. brev', formatKroner(policy.notices.letterPostage.value), policy.notices.letterPostage.source)
  const ready = policy.notices.reservationReady.value
  add(
    'reservering klar til afhentning',
    ready === null
      ? 'ingen besked'
      : `gratis på e-mail og sms; pr. brev ${ready.chargePostage ? 'betaler låneren portoen' : 'gratis'}`,
    policy.notices.reservationReady.source,
  )
  lines.push('Selvbetjent åbningstid')
  add(
    'døren åbner for',
    `gyldigt kort, ikke meldt bortkommet, fra ${policy.door.minimumAge.value} år`,
    policy.door.minimumAge.source,
  )
  add(
    'adgangsloggen slettes efter',
    `${policy.door.logRetentionDays.value} dage`,
    policy.door.logRetentionDays.source,
  )
  lines.push('Privatliv')
  add(
    'lånet kobles fra låneren',
    `${policy.privacy.loanPatronLinkDays.value} dage efter afleveringen`,
    policy.privacy.loanPatronLinkDays.source,
  )
  add(
    'låneren slettes',
    `efter ${policy.privacy.inactivePatronYears.value} år uden fysiske lån, når intet lån eller gæld er åbent`,
    policy.privacy.inactivePatronYears.source,
  )
  add(
    'personalets opslag slettes efter',
    `${policy.privacy.staffLookupRetentionDays.value} dage`,
    policy.privacy.staffLookupRetentionDays.source,
  )
  return lines.join('\n')
}
