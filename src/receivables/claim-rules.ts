import type { LegalKind } from '../db/schema.ts'
import type { Ore } from '../shared/money.ts'
import { addDays, addMonths, type LocalDate } from '../shared/time.ts'
import type { Ladder, ReceivablesPolicy } from './receivables-policy.ts'

// The receivables' rules as pure functions of claims, policy and a date.

/**
 * RULES.md, from Danish law: overdue and dunning fees (and interest) are public-law claims, with the right
 * of distraint; replacement and processing fees are civil-law claims.
 */
export function legalKindOf(lineKind: string): LegalKind {
  return lineKind === 'overdue-fee' || lineKind === 'dunning-fee' || lineKind === 'interest'
    ? 'public'
    : 'civil'
}

export interface ClaimableCharge {
  id: number
  patronId: number
  loanId: number | null
  kind: string
  amount: Ore
  chargeDate: LocalDate
}

export interface ChargeGroup<C extends ClaimableCharge> {
  legalKind: LegalKind
  charges: C[]
}

/**
 * One claim per patron, loan and legal kind among charges handed over together: a lost item's replacement
 * and processing fee are one civil claim (its lines), its overdue fee a public one.
 */
export function groupIntoClaims<C extends ClaimableCharge>(charges: readonly C[]): ChargeGroup<C>[] {
  const groups = new Map<string, ChargeGroup<C>>()
  for (const charge of charges) {
    const legalKind = legalKindOf(charge.kind)
    const key = `${charge.patronId}:${charge.loanId ?? `charge-${charge.id}`}:${legalKind}:${charge.chargeDate}`
    const group = groups.get(key) ?? { legalKind, charges: [] }
    group.charges.push(charge)
    groups.set(key, group)
  }
  return [...groups.values()]
}

/** The Danish title of a library claim, from its lines. */
export function libraryClaimTitle(kinds: readonly string[]): string {
  if (kinds.includes('replacement')) return 'Erstatning for bortkommet materiale'
  if (kinds.includes('postage')) return 'Porto for brev om reservering'
  return 'Gebyr for for sen aflevering'
}

/** A claim's deadline: the bill goes out the next morning, the deadline is `deadlineDays` after it. */
export function deadlineFor(policy: ReceivablesPolicy, visibleOn: LocalDate): LocalDate {
  return addDays(addDays(visibleOn, 1), policy.billing.deadlineDays.value)
}

/**
 * The dunning ladder of a claim: an issuer's own path (Køge's property tax: 250/250/450 kr, 004) applies to
 * its public-law claims only; a civil-law claim keeps the civil ladder (renteloven § 9 b: at most 100 kr).
 */
export function ladderFor(
  policy: ReceivablesPolicy,
  legalKind: LegalKind,
  issuerLadder: string | null,
): Ladder {
  const ladders = policy.dunning.ladders.value
  const own = issuerLadder && legalKind === 'public' ? ladders[issuerLadder] : undefined
  return own ?? (ladders[legalKind] as Ladder)
}

export interface DunningState {
  deadline: LocalDate
  dunningLetters: number
  lastLetterOn: LocalDate | null
  lastLetterDeadline: LocalDate | null
  transferNoticeOn: LocalDate | null
}

export type DunningStep =
  | { kind: 'letter'; number: number; fee: Ore; deadline: LocalDate }
  | { kind: 'transfer-notice'; deadline: LocalDate }
  | { kind: 'transfer' }

/**
 * What an unpaid claim is due for on `today`: the first letter `firstAfterDays` after the deadline, each
 * next one `intervalDays` after the previous, each with its own deadline; after the last letter's deadline a
 * written notice, and the transfer to Gældsstyrelsen `afterLastDeadlineDays` after that deadline (RULES.md:
 * "A claim goes to Gældsstyrelsen only after the reminders and a written notice to the debtor").
 */
export function nextDunningStep(
  state: DunningState,
  ladder: Ladder,
  transferAfterDays: number,
  today: LocalDate,
): DunningStep | null {
  const letters = state.dunningLetters
  if (letters < ladder.fees.length) {
    // The next letter waits until the previous letter's own deadline has passed, so that a payment on the
    // last day to pay is never met by a new letter and fee.
    const dueOn =
      letters === 0 || state.lastLetterOn === null
        ? addDays(state.deadline, ladder.firstAfterDays)
        : maxDate(
            addDays(state.lastLetterOn, ladder.intervalDays),
            addDays(state.lastLetterDeadline ?? state.lastLetterOn, 1),
          )
    if (today < dueOn) return null
    return {
      kind: 'letter',
      number: letters + 1,
      fee: ladder.fees[letters] as Ore,
      deadline: addDays(today, ladder.letterDeadlineDays),
    }
  }
  const lastDeadline = state.lastLetterDeadline ?? state.deadline
  // The notice is due the day after the last letter's deadline and gives `transferAfterDays` from that
  // deadline; a notice sent late (nights without a run) still gives them from the day before it is sent.
  const noticeDeadline = (sentOn: LocalDate) =>
    addDays(maxDate(lastDeadline, addDays(sentOn, -1)), transferAfterDays)
  if (state.transferNoticeOn === null) {
    if (today <= lastDeadline) return null
    return { kind: 'transfer-notice', deadline: noticeDeadline(today) }
  }
  // The notice names its deadline as the last day to pay: the transfer comes the day after.
  if (today <= noticeDeadline(state.transferNoticeOn)) return null
  return { kind: 'transfer' }
}

function maxDate(a: LocalDate, b: LocalDate): LocalDate {
  return a > b ? a : b
}

/** Months started since the deadline: the day after the deadline starts the first. */
export function monthsStartedAfter(deadline: LocalDate, today: LocalDate): number {
  if (today <= deadline) return 0
  let months = 0
  while (addMonths(deadline, months) < today) months++
  return months
}

/** Interest on the unpaid principal, `percent` per started month, in whole øre (half up). */
export function interestFor(principal: Ore, percent: number): Ore {
  return Math.floor((principal * percent + 50) / 100)
}
