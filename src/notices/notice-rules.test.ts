import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { readPolicyFiles } from '../policy/policy-files.ts'
import type { NoticePolicy } from '../policy/policy-schema.ts'
import { formatLocalInstant } from '../shared/time.ts'
import {
  electronicChannels,
  loanNoticeChannels,
  type NoticeContact,
  recallDueDate,
  reminderDueDate,
  sendInstant,
  smsSendInstant,
} from './notice-rules.ts'

const policies = readPolicyFiles()
function noticesOf(municipality: string): NoticePolicy {
  const policy = policies.find((p) => p.municipality === municipality)
  if (!policy) throw new Error(`no policy ${municipality}`)
  return policy.notices
}
const kk = noticesOf('kobenhavn')
const naestved = noticesOf('naestved')
const gentofte = noticesOf('gentofte')

const contact = (over: Partial<NoticeContact> = {}): NoticeContact => ({
  email: 'anna@example.dk',
  phone: '+4520000001',
  emailBounced: false,
  chosen: null,
  remindersOptIn: false,
  ...over,
})

describe('notice schedules', () => {
  it('København: a reminder 3 days before the due date, a recall 10 days after (002)', () => {
    assert.equal(reminderDueDate(kk, '2026-03-02'), '2026-03-05')
    assert.equal(recallDueDate(kk, '2026-03-12'), '2026-03-02')
  })

  it('Næstved: a reminder 2 days before, a recall when a week overdue (003)', () => {
    assert.equal(reminderDueDate(naestved, '2026-03-02'), '2026-03-04')
    assert.equal(recallDueDate(naestved, '2026-03-09'), '2026-03-02')
  })

  it('Gentofte sends none (RULES.md)', () => {
    assert.equal(reminderDueDate(gentofte, '2026-03-02'), null)
    assert.equal(recallDueDate(gentofte, '2026-03-02'), null)
  })

  it('Næstved sends at 08:00 on weekdays, 09:00 on Saturdays and 10:00 on Sundays (003)', () => {
    assert.equal(formatLocalInstant(sendInstant(naestved, '2026-03-06')), '2026-03-06T08:00:00+01:00')
    assert.equal(formatLocalInstant(sendInstant(naestved, '2026-03-07')), '2026-03-07T09:00:00+01:00')
    assert.equal(formatLocalInstant(sendInstant(naestved, '2026-03-08')), '2026-03-08T10:00:00+01:00')
  })

  it('keeps the local send time across the clock changes', () => {
    // Spring: Sunday 29 March 2026 and the Monday after; autumn: Sunday 25 October 2026.
    assert.equal(formatLocalInstant(sendInstant(naestved, '2026-03-28')), '2026-03-28T09:00:00+01:00')
    assert.equal(formatLocalInstant(sendInstant(naestved, '2026-03-29')), '2026-03-29T10:00:00+02:00')
    assert.equal(formatLocalInstant(sendInstant(naestved, '2026-03-30')), '2026-03-30T08:00:00+02:00')
    assert.equal(formatLocalInstant(sendInstant(naestved, '2026-10-25')), '2026-10-25T10:00:00+01:00')
    assert.equal(formatLocalInstant(sendInstant(kk, '2026-10-26')), '2026-10-26T08:00:00+01:00')
    assert.equal(sendInstant(kk, '2026-03-29').toISOString(), '2026-03-29T06:00:00.000Z')
    assert.equal(sendInstant(kk, '2026-03-28').toISOString(), '2026-03-28T07:00:00.000Z')
  })
})

describe('channels', () => {
  it('e-mail when given, else SMS, unless the patron chose', () => {
    assert.deepEqual(electronicChannels(contact()), ['email'])
    assert.deepEqual(electronicChannels(contact({ email: null })), ['sms'])
    assert.deepEqual(electronicChannels(contact({ chosen: ['sms'] })), ['sms'])
    assert.deepEqual(electronicChannels(contact({ chosen: ['email', 'sms'] })), ['email', 'sms'])
    assert.deepEqual(electronicChannels(contact({ email: null, phone: null })), [])
  })

  it('a bounced address falls back to SMS', () => {
    assert.deepEqual(electronicChannels(contact({ emailBounced: true })), ['sms'])
    assert.deepEqual(electronicChannels(contact({ emailBounced: true, chosen: ['email', 'sms'] })), ['sms'])
    assert.deepEqual(electronicChannels(contact({ emailBounced: true, phone: null })), [])
  })

  it("Næstved's reminder only to those who opted in; the recall to all with contact", () => {
    const reminder = naestved.reminder.value
    const recall = naestved.recall.value
    assert.ok(reminder && recall)
    assert.deepEqual(loanNoticeChannels(reminder.to, contact()), [])
    assert.deepEqual(loanNoticeChannels(reminder.to, contact({ remindersOptIn: true })), ['email'])
    assert.deepEqual(loanNoticeChannels(recall.to, contact()), ['email'])
  })

  it('every channel returned reaches the patron', () => {
    fc.assert(
      fc.property(
        fc.option(fc.constant('a@b.dk'), { nil: null }),
        fc.option(fc.constant('+4520000000'), { nil: null }),
        fc.boolean(),
        fc.option(fc.array(fc.constantFrom<'email' | 'sms'>('email', 'sms'), { maxLength: 3 }), {
          nil: null,
        }),
        (email, phone, emailBounced, chosen) => {
          const channels = electronicChannels({ email, phone, emailBounced, chosen, remindersOptIn: true })
          for (const channel of channels) {
            if (channel === 'email') assert.ok(email !== null && !emailBounced)
            else assert.ok(phone !== null)
          }
          assert.equal(new Set(channels).size, channels.length)
          if ((email !== null && !emailBounced) || phone !== null) assert.ok(channels.length > 0)
        },
      ),
    )
  })
})

describe('no SMS at night', () => {
  it('waits until 08:00 local time', () => {
    const at = (s: string) => formatLocalInstant(smsSendInstant(new Date(s)))
    assert.equal(at('2026-03-02T10:00:00+01:00'), '2026-03-02T10:00:00+01:00')
    assert.equal(at('2026-03-02T21:30:00+01:00'), '2026-03-03T08:00:00+01:00')
    assert.equal(at('2026-03-02T03:00:00+01:00'), '2026-03-02T08:00:00+01:00')
    assert.equal(at('2026-03-28T23:00:00+01:00'), '2026-03-29T08:00:00+02:00')
    assert.equal(at('2026-03-02T20:59:00+01:00'), '2026-03-02T20:59:00+01:00')
  })
})
