import { join } from 'node:path'
import type { PolicyCatalog } from '../policy/policy-catalog.ts'
import type { ReceivablesCatalog } from '../receivables/receivables-policy.ts'
import type { Clock } from '../shared/clock.ts'
import { localDateOf } from '../shared/time.ts'
import { createDigitalPostChannel } from './digital-post-channel.ts'
import { createEmailChannel } from './email-channel.ts'
import { createLetterChannel } from './letter-channel.ts'
import type { NoticeAdapters } from './notice-delivery.ts'
import { type ChannelAdapter, describeError, type NoticeChannel, retryLater, sent } from './notice-message.ts'
import { writeAtomically } from './notice-outbox.ts'
import { createSmsChannel } from './sms-channel.ts'

export interface NoticeChannelConfig {
  /** smtp://user:password@host:port (smtps:// for TLS); without it e-mails are written to the outbox. */
  smtpUrl: string | undefined
  mailFrom: string
  /** The SMS gateway's JSON endpoint; without it SMS are written to the outbox. */
  smsUrl: string | undefined
  smsToken: string | undefined
  smsSender: string
  outboxDir: string
}

/**
 * A message that has no real channel configured (a fresh installation, a demo): written as JSON into
 * `<outbox>/<municipality>/notices/<channel>/`, so that nothing is lost and staff can see what would go.
 */
function outboxChannel(channel: NoticeChannel, outboxDir: string, municipality: string): ChannelAdapter {
  return {
    channel,
    async send(message) {
      const path = join(municipality, 'notices', channel, `notice-${message.noticeId}-${message.kind}.json`)
      try {
        const { attachments: _attachments, ...rest } = message
        await writeAtomically(join(outboxDir, path), `${JSON.stringify(rest, null, 2)}\n`)
        return sent(path)
      } catch (error) {
        return retryLater(describeError(error))
      }
    },
  }
}

/** Each municipality's channels, made on first use. */
export function createNoticeAdapters(
  config: NoticeChannelConfig,
  policies: PolicyCatalog,
  receivablesCatalog: ReceivablesCatalog,
  clock: Clock,
): { adaptersFor: (municipality: string) => NoticeAdapters; close: () => void } {
  const smtp = config.smtpUrl === undefined ? null : new URL(config.smtpUrl)
  const email = smtp
    ? createEmailChannel({
        host: smtp.hostname,
        port: Number(smtp.port || (smtp.protocol === 'smtps:' ? 465 : 25)),
        secure: smtp.protocol === 'smtps:',
        ...(smtp.username === '' ? {} : { user: decodeURIComponent(smtp.username) }),
        ...(smtp.password === '' ? {} : { password: decodeURIComponent(smtp.password) }),
        from: config.mailFrom,
      })
    : null
  const sms =
    config.smsUrl === undefined
      ? null
      : createSmsChannel({
          url: config.smsUrl,
          sender: config.smsSender,
          ...(config.smsToken === undefined ? {} : { token: config.smsToken }),
        })
  const made = new Map<string, NoticeAdapters>()
  return {
    adaptersFor(municipality) {
      const existing = made.get(municipality)
      if (existing) return existing
      const today = localDateOf(clock.now())
      const policy = policies.inForce(municipality, today)
      const receivables = receivablesCatalog.has(municipality)
        ? receivablesCatalog.inForce(municipality, today)
        : null
      const reason = receivables?.contacts.reason.value
      const sender = {
        name: policy.name,
        lines: [reason?.phone ? `Tlf. ${reason.phone}` : null, reason?.web ?? null].filter(
          (line): line is string => line !== null,
        ),
      }
      const written = { outboxDir: config.outboxDir, municipality, sender, clock }
      const adapters: NoticeAdapters = {
        email: email ?? outboxChannel('email', config.outboxDir, municipality),
        sms: sms ?? outboxChannel('sms', config.outboxDir, municipality),
        letter: createLetterChannel(written),
        'digital-post': receivables
          ? createDigitalPostChannel({
              ...written,
              senderCvr: receivables.senderCvr.value,
              senderLabel: receivables.authority,
            })
          : outboxChannel('digital-post', config.outboxDir, municipality),
      }
      made.set(municipality, adapters)
      return adapters
    },
    close: () => email?.close(),
  }
}
