import {
  bounced,
  type ChannelAdapter,
  describeError,
  type OutgoingMessage,
  permanentFailure,
  retryLater,
  type SendOutcome,
  sent,
} from './notice-message.ts'

export interface SmsChannelConfig {
  /** The gateway's endpoint: it takes a JSON POST `{ to, from, text }`. */
  url: string
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string
  /** The sender shown on the phone, e.g. "KBHBib" (an alphanumeric sender is at most 11 characters). */
  sender: string
  /** Default 10 s. */
  timeoutMs?: number
}

/**
 * A phone number in E.164 form: a Danish 8-digit number (with or without 45, +45 or 0045 before it)
 * becomes +45XXXXXXXX; a number with another country code (+ or 00) is kept; anything else is null.
 */
export function normalisePhone(phone: string): string | null {
  const compact = phone.trim().replace(/[\s\-./()]/g, '')
  const international = compact.startsWith('+')
    ? compact.slice(1)
    : compact.startsWith('00')
      ? compact.slice(2)
      : null
  if (international === null) {
    // Danish numbers have 8 digits and never start with 0 or 1.
    if (/^[2-9]\d{7}$/.test(compact)) return `+45${compact}`
    if (/^45[2-9]\d{7}$/.test(compact)) return `+${compact}`
    return null
  }
  if (!/^[1-9]\d{6,14}$/.test(international)) return null
  if (international.startsWith('45') && !/^45[2-9]\d{7}$/.test(international)) return null
  return `+${international}`
}

// A 400/422 whose body names the recipient or the number: the number itself is refused.
const NUMBER_COMPLAINT = /\b(to|recipient|receiver|msisdn|phone|mobile|number|nummer|modtager)\b/i

// Statuses that say the gateway's set-up (token, URL) is wrong, or that it is busy: nothing is wrong with
// this message, so it waits for a later try instead of going by another channel.
const RETRY_STATUSES = new Set([401, 403, 404, 407, 408, 409, 425, 429])

/** Sends notices through a JSON HTTP SMS gateway. */
export function createSmsChannel(config: SmsChannelConfig): ChannelAdapter {
  const timeoutMs = config.timeoutMs ?? 10_000

  async function send(message: OutgoingMessage): Promise<SendOutcome> {
    const raw = message.recipient.phone?.trim() ?? ''
    if (raw === '') return permanentFailure('the recipient has no phone number')
    const to = normalisePhone(raw)
    if (to === null) return bounced(`not a phone number: ${raw}`)
    const text = (message.sms ?? message.text).trim()
    if (text === '') return permanentFailure('the message has no text')

    let response: Response
    let body: string
    try {
      response = await fetch(config.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          ...(config.token === undefined ? {} : { authorization: `Bearer ${config.token}` }),
        },
        body: JSON.stringify({ to, from: config.sender, text }),
        signal: AbortSignal.timeout(timeoutMs),
      })
      body = await response.text()
    } catch (error) {
      if (error instanceof DOMException && error.name === 'TimeoutError') {
        return retryLater(`the SMS gateway did not answer within ${timeoutMs} ms`)
      }
      return retryLater(`the SMS gateway could not be reached: ${describeError(causeOf(error))}`)
    }

    const status = response.status
    const detail = `${status} ${response.statusText}${body.trim() === '' ? '' : `: ${body.trim().slice(0, 300)}`}`
    if (status >= 200 && status < 300) return sent(providerIdOf(body))
    if (status >= 500 || RETRY_STATUSES.has(status)) return retryLater(`SMS gateway answered ${detail}`)
    if ((status === 400 || status === 422) && NUMBER_COMPLAINT.test(body)) {
      return bounced(`SMS gateway refused the number ${to}: ${detail}`)
    }
    return permanentFailure(`SMS gateway refused the message: ${detail}`)
  }

  return { channel: 'sms', send }
}

/** The gateway's message id, from a JSON `id` (string or number), if it gives one. */
function providerIdOf(body: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body)
    if (typeof parsed === 'object' && parsed !== null && 'id' in parsed) {
      const id = parsed.id
      if (typeof id === 'string' && id !== '') return id
      if (typeof id === 'number' && Number.isFinite(id)) return String(id)
    }
  } catch {
    // Not JSON: sent all the same, just without an id.
  }
  return undefined
}

/** fetch wraps the socket error ("fetch failed"); its cause says what happened. */
function causeOf(error: unknown): unknown {
  return error instanceof Error && error.cause !== undefined ? error.cause : error
}
