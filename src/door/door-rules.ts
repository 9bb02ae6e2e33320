import type { Policy } from '../policy/policy-schema.ts'
import { addDays, ageOn, type LocalDate } from '../shared/time.ts'

// The door at staffless opening hours (KK 002, "Selvbetjent åbningstid"): a card scanned at the door
// opens it for a known patron whose card is not reported lost and who is old enough that day.

export const DOOR_REASONS = ['ok', 'unknown-card', 'card-lost', 'too-young'] as const
export type DoorReason = (typeof DOOR_REASONS)[number]

export interface DoorPatron {
  birthDate: LocalDate
  cardLostAt: Date | null
}

export interface DoorDecision {
  open: boolean
  reason: DoorReason
  /** Short Danish text for the card reader's display. */
  messageDa: string
}

/**
 * Whether the door opens for the patron a scanned card belongs to (null: no patron has that card or CPR
 * number) on a local date. A card reported lost is refused whichever card was scanned, as at the desk and
 * the machines. Age is counted in completed years on the day (`ageOn`): the door opens from the morning of
 * the birthday; a 29 February birthday completes its year on 1 March in common years. A fee block does not
 * close the door: the seed ties access only to the card and the age.
 */
export function decideDoorEntry(input: {
  patron: DoorPatron | null
  date: LocalDate
  policy: Pick<Policy, 'door'>
}): DoorDecision {
  const { patron, date, policy } = input
  const minimumAge = policy.door.minimumAge.value
  if (patron === null) {
    return {
      open: false,
      reason: 'unknown-card',
      messageDa: 'Kortet kendes ikke. Du skal være oprettet som låner.',
    }
  }
  if (patron.cardLostAt !== null) {
    return { open: false, reason: 'card-lost', messageDa: 'Kortet er meldt bortkommet og er spærret.' }
  }
  if (ageOn(patron.birthDate, date) < minimumAge) {
    return {
      open: false,
      reason: 'too-young',
      messageDa: `Adgang fra ${minimumAge} år. Under ${minimumAge} år kun sammen med en voksen.`,
    }
  }
  return { open: true, reason: 'ok', messageDa: 'Velkommen. Døren er åben.' }
}

/** The first local date whose entries are still kept on a business date; older entries are deleted. */
export function doorLogKeptFrom(policy: Pick<Policy, 'door'>, date: LocalDate): LocalDate {
  return addDays(date, -policy.door.logRetentionDays.value)
}

/**
 * What the log keeps of a scanned card that belongs to no patron: it may be a health card's CPR number,
 * so only its start (the first 6 characters of a long number, half of a short one) and '****'.
 */
export function maskedCard(card: string): string {
  const kept = card.length >= 10 ? 6 : Math.floor(card.length / 2)
  return `${card.slice(0, kept)}****`
}

/**
 * The card as the log keeps it: the patron's card number, unless that number is the patron's CPR number
 * (patrons registered with CPR only), which is masked like an unknown card.
 */
export function loggedCard(
  scanned: string,
  patron: { cardNumber: string; cardIsCpr: boolean } | null,
): string {
  if (patron === null) return maskedCard(scanned)
  return patron.cardIsCpr ? maskedCard(patron.cardNumber) : patron.cardNumber
}
