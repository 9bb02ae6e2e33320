// What the delivery loop hands a channel adapter, and what the adapter answers. The adapters (e-mail, SMS,
// Digital Post, letter) are transports only: no database, and they never throw for a delivery problem.

import type { LocalDate } from '../shared/time.ts'

export type NoticeKind =
  | 'reminder'
  | 'recall'
  | 'reservation-ready'
  | 'exclusion-warning'
  | 'bill'
  | 'dunning-letter'
  | 'collection-notice'
  | 'refund'

export const NOTICE_KINDS: readonly NoticeKind[] = [
  'reminder',
  'recall',
  'reservation-ready',
  'exclusion-warning',
  'bill',
  'dunning-letter',
  'collection-notice',
  'refund',
]

/** The same union as `NoticeChannel` in notice-repository.ts. */
export type NoticeChannel = 'email' | 'sms' | 'digital-post' | 'letter'

export type NoticeLanguage = 'da' | 'en'

export interface NoticeRecipient {
  name: string
  email?: string
  /** Danish 8-digit numbers are sent as +45; others must carry their country code. */
  phone?: string
  /** 10 digits; Digital Post needs it. */
  cpr?: string
  /** Postal address lines below the name; a letter without them gets the CPR-register placeholder. */
  address?: string[]
}

export interface NoticeAttachment {
  filename: string
  contentType: string
  content: Buffer
}

export interface OutgoingMessage {
  /** The notice's id: file names and MeMo message ids are made from it, so a rerun overwrites. */
  noticeId: number
  kind: NoticeKind
  language: NoticeLanguage
  recipient: NoticeRecipient
  subject: string
  text: string
  html?: string
  /** The short text an SMS carries (renderNotice's `sms`); the SMS adapter falls back to `text`. */
  sms?: string
  attachments?: NoticeAttachment[]
  /** The notice's date, printed on letters; without it the adapter's clock gives today (Copenhagen). */
  date?: LocalDate
}

export type SendOutcome =
  | { status: 'sent'; providerId?: string }
  | {
      status: 'failed'
      /** Sending the same message again will never work (as it stands). */
      permanent: boolean
      /** The address itself is invalid (SMTP 550/551/553 on RCPT, an invalid phone number or CPR): mark it invalid and fall back to the next channel. Always permanent. */
      bounce: boolean
      reason: string
    }

export interface ChannelAdapter {
  channel: NoticeChannel
  /** Never throws for a delivery problem: the outcome says what happened. */
  send(message: OutgoingMessage): Promise<SendOutcome>
}

export function sent(providerId?: string): SendOutcome {
  return providerId === undefined ? { status: 'sent' } : { status: 'sent', providerId }
}

/** Try again later with back-off: the server, gateway or disk may work then. */
export function retryLater(reason: string): SendOutcome {
  return { status: 'failed', permanent: false, bounce: false, reason }
}

/** Will never work as it stands (no address for the channel, the message refused). */
export function permanentFailure(reason: string): SendOutcome {
  return { status: 'failed', permanent: true, bounce: false, reason }
}

/** The recipient's address (e-mail, phone number, CPR) is invalid. */
export function bounced(reason: string): SendOutcome {
  return { status: 'failed', permanent: true, bounce: true, reason }
}

/** "Error: message" of anything thrown. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message === '' ? error.name : `${error.name}: ${error.message}`
  return String(error)
}
