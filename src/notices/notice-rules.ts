import type { NoticePolicy } from '../policy/policy-schema.ts'
import {
  addDays,
  instantOfLocal,
  isoWeekday,
  type LocalDate,
  localDateOf,
  offsetMinutesAt,
} from '../shared/time.ts'

export type ElectronicChannel = 'email' | 'sms'

/** What decides where a patron's notices go. */
export interface NoticeContact {
  email: string | null
  phone: string | null
  /** An e-mail address that bounced is not used until the patron gives a new one. */
  emailBounced: boolean
  /** The channels the patron chose; null: e-mail when given, else SMS. */
  chosen: readonly ElectronicChannel[] | null
  remindersOptIn: boolean
}

/**
 * The instant the day's reminders and recalls go out: the policy's local send time for the weekday
 * (Næstved, 003: "Mandag-fredag kl. 8, lørdag kl. 9 og søndag kl. 10"), in Copenhagen time on that date,
 * so 08:00 stays 08:00 across the clock changes.
 */
export function sendInstant(policy: NoticePolicy, date: LocalDate): Date {
  const times = policy.sendTimes.value
  const weekday = isoWeekday(date)
  return instantOfLocal(date, weekday === 6 ? times.saturday : weekday === 7 ? times.sunday : times.weekday)
}

/** The due date whose loans get a reminder on `date`, or null when the policy sends none. */
export function reminderDueDate(policy: NoticePolicy, date: LocalDate): LocalDate | null {
  const reminder = policy.reminder.value
  return reminder === null ? null : addDays(date, reminder.daysBeforeDue)
}

/** The due date whose loans, still out, get a recall on `date`, or null when the policy sends none. */
export function recallDueDate(policy: NoticePolicy, date: LocalDate): LocalDate | null {
  const recall = policy.recall.value
  return recall === null ? null : addDays(date, -recall.daysAfterDue)
}

/** The channels that reach a patron electronically, in the patron's choice or by default. */
export function electronicChannels(contact: NoticeContact): ElectronicChannel[] {
  const usable = (channel: ElectronicChannel) =>
    channel === 'email' ? contact.email !== null && !contact.emailBounced : contact.phone !== null
  if (contact.chosen !== null && contact.chosen.length > 0) {
    const chosen = contact.chosen.filter(usable)
    if (chosen.length > 0) return [...new Set(chosen)]
  }
  // No choice, or none of the chosen channels works any more: e-mail when it works, else SMS.
  if (usable('email')) return ['email']
  if (usable('sms')) return ['sms']
  return []
}

/** The channels a reminder or recall goes by; none for a patron outside the policy's audience. */
export function loanNoticeChannels(
  audience: 'with-contact' | 'opted-in',
  contact: NoticeContact,
): ElectronicChannel[] {
  if (audience === 'opted-in' && !contact.remindersOptIn) return []
  return electronicChannels(contact)
}

/** No SMS at night: an SMS due between 21:00 and 08:00 local time waits until 08:00. */
export function smsSendInstant(at: Date): Date {
  const hour = new Date(at.getTime() + offsetMinutesAt(at) * 60_000).getUTCHours()
  if (hour >= 8 && hour < 21) return at
  const today = localDateOf(at)
  return instantOfLocal(hour < 8 ? today : addDays(today, 1), '08:00')
}
