import nodemailer from 'nodemailer'
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

export interface EmailChannelConfig {
  host: string
  port: number
  /** TLS from the start (port 465); otherwise STARTTLS when the server offers it. */
  secure: boolean
  user?: string
  password?: string
  /** e.g. "Københavns Biblioteker <noreply@bibliotek.kk.dk>" */
  from: string
  /** Refuse to send unencrypted when the server offers no STARTTLS (default false). */
  requireTls?: boolean
  /** Connecting, the greeting and an idle socket each time out after this (default 30 s). */
  timeoutMs?: number
}

/** The shape nodemailer gives its errors (`NodemailerError`); every field may be missing. */
interface SmtpError {
  code?: string | undefined
  command?: string | undefined
  response?: string | undefined
  responseCode?: number | undefined
}

// Reply codes on RCPT that say the mailbox itself is wrong (RFC 5321): 550 no such mailbox, 551 user not
// local, 553 mailbox name not allowed. Enhanced status 5.1.x (RFC 3463) is an addressing error too.
const BOUNCE_CODES = new Set([550, 551, 553])
const ADDRESS_STATUS = /\b5\.1\.\d{1,3}\b/

// Errors of the set-up, not of the message: every message would fail the same way until someone fixes the
// configuration, so they are retried rather than sent by another channel.
const SETUP_ERRORS = new Set(['EAUTH', 'ENOAUTH', 'EOAUTH2', 'ECONFIG', 'EREQUIRETLS'])

// A plain, permissive check: a local part, an @ and a domain with a dot, no spaces.
const EMAIL_PATTERN = /^[^\s@<>()[\],;:"]+@[^\s@<>()[\],;:"]+\.[^\s@<>()[\],;:"]+$/

/** Sends notices over SMTP. One connection per message; `close()` ends any that are still open. */
export function createEmailChannel(config: EmailChannelConfig): ChannelAdapter & { close(): void } {
  const timeout = config.timeoutMs ?? 30_000
  const transport = nodemailer.createTransport({
    host: config.host,
    port: config.port,
    secure: config.secure,
    requireTLS: config.requireTls ?? false,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
    dnsTimeout: timeout,
    ...(config.user === undefined ? {} : { auth: { user: config.user, pass: config.password ?? '' } }),
  })

  async function send(message: OutgoingMessage): Promise<SendOutcome> {
    const to = message.recipient.email?.trim() ?? ''
    if (to === '') return permanentFailure('the recipient has no e-mail address')
    if (!EMAIL_PATTERN.test(to)) return bounced(`not an e-mail address: ${to}`)
    try {
      const info = await transport.sendMail({
        from: config.from,
        to: { name: message.recipient.name, address: to },
        subject: message.subject,
        text: message.text,
        ...(message.html === undefined ? {} : { html: message.html }),
        attachments: (message.attachments ?? []).map((a) => ({
          filename: a.filename,
          contentType: a.contentType,
          content: a.content,
        })),
        headers: { 'X-Laan-Notice-Id': String(message.noticeId) },
      })
      if (info.rejected.length > 0) return bounced(`the server refused the recipient ${to}: ${info.response}`)
      return sent(info.messageId)
    } catch (error) {
      return smtpOutcome(error)
    }
  }

  return { channel: 'email', send, close: () => transport.close() }
}

/** What a nodemailer error means for the notice. */
export function smtpOutcome(error: unknown): SendOutcome {
  const e = (typeof error === 'object' && error !== null ? error : {}) as SmtpError
  const reason = e.response === undefined ? describeError(error) : `${describeError(error)} (${e.response})`
  const code = e.responseCode
  if (code !== undefined && code >= 500 && code < 600) {
    // 503 is a bad command sequence: the session's fault, not the message's; a new connection may work.
    if (code === 503) return retryLater(reason)
    const onRecipient = e.command?.toUpperCase().startsWith('RCPT') ?? false
    if (onRecipient && (BOUNCE_CODES.has(code) || ADDRESS_STATUS.test(e.response ?? '')))
      return bounced(reason)
    if (e.code !== undefined && SETUP_ERRORS.has(e.code)) return retryLater(`configuration: ${reason}`)
    return permanentFailure(reason)
  }
  if (e.code !== undefined && SETUP_ERRORS.has(e.code)) return retryLater(`configuration: ${reason}`)
  // 4xx replies, lost connections, timeouts, DNS and TLS trouble, and anything unknown: try again later.
  return retryLater(reason)
}
