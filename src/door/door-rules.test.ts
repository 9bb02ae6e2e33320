import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { policyOf } from '../test-support/policies.ts'
import { decideDoorEntry, doorLogKeptFrom, loggedCard, maskedCard } from './door-rules.ts'

const kk = policyOf('kobenhavn')
const adult = { birthDate: '1980-05-05', cardLostAt: null }

describe('the door at staffless opening hours', () => {
  it('opens for a known card of a patron aged 15 or more', () => {
    assert.deepEqual(decideDoorEntry({ patron: adult, date: '2026-03-02', policy: kk }), {
      open: true,
      reason: 'ok',
      messageDa: 'Velkommen. Døren er åben.',
    })
  })

  it('stays shut for a card no patron has', () => {
    const decision = decideDoorEntry({ patron: null, date: '2026-03-02', policy: kk })
    assert.equal(decision.open, false)
    assert.equal(decision.reason, 'unknown-card')
  })

  it('stays shut for a card reported lost, before the age is looked at', () => {
    const lost = { birthDate: '2015-01-01', cardLostAt: new Date('2026-02-01T10:00:00Z') }
    const decision = decideDoorEntry({ patron: lost, date: '2026-03-02', policy: kk })
    assert.deepEqual([decision.open, decision.reason], [false, 'card-lost'])
    assert.match(decision.messageDa, /bortkommet/)
  })

  it('opens on the 15th birthday and not the day before', () => {
    const patron = { birthDate: '2011-03-02', cardLostAt: null }
    const before = decideDoorEntry({ patron, date: '2026-03-01', policy: kk })
    assert.deepEqual([before.open, before.reason], [false, 'too-young'])
    assert.equal(before.messageDa, 'Adgang fra 15 år. Under 15 år kun sammen med en voksen.')
    const birthday = decideDoorEntry({ patron, date: '2026-03-02', policy: kk })
    assert.deepEqual([birthday.open, birthday.reason], [true, 'ok'])
  })

  it('counts a 29 February birthday as completed on 1 March in a common year', () => {
    const patron = { birthDate: '2008-02-29', cardLostAt: null }
    assert.equal(decideDoorEntry({ patron, date: '2023-02-28', policy: kk }).reason, 'too-young')
    assert.equal(decideDoorEntry({ patron, date: '2023-03-01', policy: kk }).reason, 'ok')
    // (Born on 29 February, one turns 15 only in a common year.)
  })

  it('takes the minimum age from the policy', () => {
    const policy = { door: { ...kk.door, minimumAge: { value: 18, source: { assumed: 'a test' } } } }
    const patron = { birthDate: '2010-01-01', cardLostAt: null }
    const decision = decideDoorEntry({ patron, date: '2026-03-02', policy })
    assert.deepEqual(
      [decision.reason, decision.messageDa],
      ['too-young', 'Adgang fra 18 år. Under 18 år kun sammen med en voksen.'],
    )
  })
})

describe('the entry log', () => {
  it('keeps 30 days back from the business date (København)', () => {
    assert.equal(kk.door.logRetentionDays.value, 30)
    assert.equal(doorLogKeptFrom(kk, '2026-05-01'), '2026-04-01')
    assert.equal(doorLogKeptFrom(kk, '2026-03-01'), '2026-01-30')
  })

  it('never keeps a CPR number in clear', () => {
    assert.equal(maskedCard('0103901234'), '010390****')
    assert.equal(maskedCard('010390-1234'), '010390****')
    assert.equal(maskedCard('abc'), 'a****')
    assert.equal(maskedCard(''), '****')
    // An unknown card: masked whatever it is.
    assert.equal(loggedCard('1234567890', null), '123456****')
    // A patron's own card number, whichever card was scanned.
    assert.equal(loggedCard('0103901234', { cardNumber: 'K-100200', cardIsCpr: false }), 'K-100200')
    // A patron registered with CPR only has the CPR as card number: masked.
    assert.equal(loggedCard('0103901234', { cardNumber: '0103901234', cardIsCpr: true }), '010390****')
    assert.equal(loggedCard('010390-1234', { cardNumber: '0103901234', cardIsCpr: true }), '010390****')
  })
})
