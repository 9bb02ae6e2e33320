// One SIP2 connection's state and answers: the machine's account once logged in (93), the last response
// (for 97), and the circulation behind 11 and 09 through the same services as the HTTP routes.
//
// Decisions:
// - A message that does not parse (bad checksum, too short a fixed part, unknown command, empty) gets 96.
// - Before a successful login every message but 93 and 97 gets 94 with ok 0 (not 96: a machine answers 96
//   by sending the same message again, forever; 94/0 tells it to log in). 01 gets no answer either way.
// - 97 sends the last response again (96 when there was none yet); every other response becomes the last.
// - Messages this slice does not serve yet (23, 63, 29, 65, 17, 15, 37) get 96.
// - The transaction time is the time of receipt (the services' clock), or the machine's own time for an
//   offline transaction (no block = Y with a transaction date).

import { runCheckin, runCheckout } from '../circulation/circulation-edge.ts'
import type { RefusalCode } from '../circulation/loan-rules.ts'
import { RefusalError } from '../circulation/refusal.ts'
import type { Services } from '../services.ts'
import { instantOfLocal } from '../shared/time.ts'
import { type Sip2Account, verifySip2Account } from './sip2-accounts.ts'
import type { Sip2Encoding } from './sip2-checksum.ts'
import {
  type CheckinRequest,
  type CheckoutRequest,
  formatSip2Response,
  parseSip2Request,
  type Sip2Response,
} from './sip2-messages.ts'

/** Danish screen messages (AF) for the circulation's refusals, short enough for a machine's screen. */
export const SIP2_REFUSAL_MESSAGES: Record<RefusalCode, string> = {
  blocked: 'Du er blokeret som låner. Kontakt personalet.',
  'card-lost': 'Kortet er meldt bortkommet og er spærret. Kontakt personalet.',
  'reference-only': 'Materialet kan kun bruges på biblioteket og kan ikke lånes med hjem.',
  'not-available': 'Materialet er udlånt eller reserveret til en anden låner.',
  'not-on-loan': 'Materialet er ikke registreret som udlånt.',
  reserved: 'Materialet er reserveret af en anden låner og kan ikke fornys.',
  'renewal-limit': 'Lånet er fornyet det største antal gange.',
  overdue: 'Afleveringsfristen er overskredet, så lånet kan ikke fornys.',
  'unknown-patron': 'Lånerkortet findes ikke. Kontakt personalet.',
  'unknown-item': 'Materialet findes ikke i bibliotekets system. Kontakt personalet.',
}

/** Screen message when something other than a refusal went wrong. */
export const SIP2_FAILURE_MESSAGE = 'Der opstod en fejl. Prøv igen, eller kontakt personalet.'

/** Screen message and sort bin (CL) for an item returned to the hold shelf. */
export const SIP2_HOLD_SHELF_MESSAGE = 'Materialet er reserveret. Læg det på reserveringshylden.'
export const SIP2_HOLD_SHELF_SORT_BIN = 'reserveret'

const REQUEST_SC_RESEND = '96'

export interface Sip2SessionOptions {
  /** Called when a message goes wrong in a way that is not the machine's fault (never with values). */
  onError?: (error: unknown) => void
}

export class Sip2Session {
  /** The machine's account after a successful 93; null before. */
  account: Sip2Account | null = null
  /** The last response sent (without terminator), for 97. */
  lastResponse: string | null = null
  /** The encoding of the last request: answer in it. */
  encoding: Sip2Encoding = 'utf8'
  messages = 0
  errors = 0

  constructor(
    private readonly services: Services,
    private readonly options: Sip2SessionOptions = {},
  ) {}

  /** The response to one message (without terminator), or null when the message has none (01). */
  async handle(input: string | Uint8Array): Promise<string | null> {
    this.messages++
    const parsed = parseSip2Request(input)
    if (!parsed.ok) {
      this.errors++
      return this.remember(REQUEST_SC_RESEND)
    }
    this.encoding = parsed.encoding
    const request = parsed.message
    if (request.type === 'request-resend') return this.lastResponse ?? REQUEST_SC_RESEND
    if (request.type === 'block-patron') return null
    const format = (response: Sip2Response) =>
      this.remember(
        formatSip2Response(response, { errorDetection: parsed.errorDetection, encoding: this.encoding }),
      )
    if (request.type === 'login') {
      this.account = await verifySip2Account(this.services.db, request.loginUserId, request.loginPassword)
      return format({ type: 'login-response', ok: this.account !== null })
    }
    const account = this.account
    if (!account) return format({ type: 'login-response', ok: false })
    const now = this.services.clock.now()
    switch (request.type) {
      case 'sc-status':
        return format({
          type: 'acs-status',
          onlineStatus: true,
          checkinOk: true,
          checkoutOk: true,
          acsRenewalPolicy: true,
          statusUpdateOk: false,
          offlineOk: true,
          timeoutPeriod: 30,
          retriesAllowed: 3,
          dateTimeSync: now,
          protocolVersion: '2.00',
          institutionId: account.municipality,
          terminalLocation: account.location,
          supportedMessages: {
            checkout: true,
            checkin: true,
            scAcsStatus: true,
            requestScAcsResend: true,
            login: true,
            endPatronSession: true,
          },
        })
      case 'end-patron-session':
        return format({
          type: 'end-session-response',
          endSession: true,
          transactionDate: now,
          institutionId: request.institutionId,
          patronIdentifier: request.patronIdentifier,
        })
      case 'checkout':
        return format(await this.checkout(account, request, now))
      case 'checkin':
        return format(await this.checkin(account, request, now))
      default:
        return this.remember(REQUEST_SC_RESEND)
    }
  }

  private remember(response: string): string {
    this.lastResponse = response
    return response
  }

  private screenMessageOf(error: unknown): string {
    if (error instanceof RefusalError) return SIP2_REFUSAL_MESSAGES[error.code] ?? error.messageDa
    this.errors++
    this.options.onError?.(error)
    return SIP2_FAILURE_MESSAGE
  }

  private async checkout(account: Sip2Account, request: CheckoutRequest, now: Date): Promise<Sip2Response> {
    const at = request.noBlock && request.transactionDate ? request.transactionDate : now
    const base = {
      type: 'checkout-response' as const,
      renewalOk: false,
      magneticMedia: 'U' as const,
      transactionDate: now,
      institutionId: request.institutionId,
      patronIdentifier: request.patronIdentifier,
      itemIdentifier: request.itemIdentifier,
    }
    try {
      const result = await runCheckout(this.services.db, this.services.circulation, {
        municipality: account.municipality,
        patron: request.patronIdentifier,
        item: request.itemIdentifier,
        at,
      })
      return {
        ...base,
        ok: true,
        desensitize: 'Y',
        titleIdentifier: result.item.title,
        dueDate: dueInstant(result.loan.dueDate),
      }
    } catch (error) {
      return {
        ...base,
        ok: false,
        desensitize: 'N',
        titleIdentifier: '',
        screenMessage: [this.screenMessageOf(error)],
      }
    }
  }

  private async checkin(account: Sip2Account, request: CheckinRequest, now: Date): Promise<Sip2Response> {
    const at =
      request.noBlock && (request.returnDate ?? request.transactionDate)
        ? (request.returnDate ?? request.transactionDate ?? now)
        : now
    const base = {
      type: 'checkin-response' as const,
      magneticMedia: 'U' as const,
      transactionDate: now,
      institutionId: request.institutionId,
      itemIdentifier: request.itemIdentifier,
      permanentLocation: account.location,
    }
    try {
      const result = await runCheckin(this.services.db, this.services.circulation, {
        municipality: account.municipality,
        item: request.itemIdentifier,
        at,
      })
      const held = result.heldForCard !== null
      return {
        ...base,
        ok: true,
        resensitize: held ? 'N' : 'Y',
        alert: held,
        titleIdentifier: result.item.title,
        ...(held ? { sortBin: SIP2_HOLD_SHELF_SORT_BIN, screenMessage: [SIP2_HOLD_SHELF_MESSAGE] } : {}),
      }
    } catch (error) {
      return {
        ...base,
        ok: false,
        resensitize: 'N',
        alert: false,
        screenMessage: [this.screenMessageOf(error)],
      }
    }
  }
}

/** A loan's due date (a local date) as the instant SIP2 shows: the end of that day in Copenhagen. */
function dueInstant(dueDate: string): Date {
  return new Date(instantOfLocal(dueDate, '23:59').getTime() + 59_000)
}
