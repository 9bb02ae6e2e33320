import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import {
  addDays,
  addMonths,
  ageOn,
  daysBetween,
  formatDanishDate,
  formatLocalInstant,
  instantOfLocal,
  isLocalDate,
  isoWeekday,
  localDateOf,
} from './time.ts'

describe('time', () => {
  it('reads the Copenhagen date of an instant on both sides of midnight', () => {
    assert.equal(localDateOf(new Date('2026-03-01T22:59:59Z')), '2026-03-01')
    assert.equal(localDateOf(new Date('2026-03-01T23:00:00Z')), '2026-03-02')
    assert.equal(localDateOf(new Date('2026-07-01T21:59:59Z')), '2026-07-01')
    assert.equal(localDateOf(new Date('2026-07-01T22:00:00Z')), '2026-07-02')
  })

  it('counts days across the daylight-saving changes as calendar days', () => {
    // Summer time starts 29 March 2026 and ends 25 October 2026.
    assert.equal(daysBetween('2026-03-28', '2026-03-30'), 2)
    assert.equal(daysBetween('2026-10-24', '2026-10-26'), 2)
    assert.equal(addDays('2026-03-01', 28), '2026-03-29')
    assert.equal(addDays('2026-10-01', 28), '2026-10-29')
    assert.equal(daysBetween('2026-01-01', '2027-01-01'), 365)
  })

  it('finds the instant of a local wall-clock time in winter and summer', () => {
    assert.equal(instantOfLocal('2026-01-15', '02:00').toISOString(), '2026-01-15T01:00:00.000Z')
    assert.equal(instantOfLocal('2026-07-15', '02:00').toISOString(), '2026-07-15T00:00:00.000Z')
    // 02:00 does not exist on 29 March 2026: the clock jumps to 03:00.
    assert.equal(localDateOf(instantOfLocal('2026-03-29', '02:00')), '2026-03-29')
    // 02:00 happens twice on 25 October 2026: the first (summer time) is taken.
    assert.equal(instantOfLocal('2026-10-25', '02:00').toISOString(), '2026-10-25T00:00:00.000Z')
  })

  it('formats instants with the local offset', () => {
    assert.equal(formatLocalInstant(new Date('2026-03-02T09:00:00Z')), '2026-03-02T10:00:00+01:00')
    assert.equal(formatLocalInstant(new Date('2026-04-30T10:00:00Z')), '2026-04-30T12:00:00+02:00')
  })

  it('adds months, clamping to the end of the month', () => {
    assert.equal(addMonths('2026-01-31', 1), '2026-02-28')
    assert.equal(addMonths('2026-05-15', 3), '2026-08-15')
    assert.equal(addMonths('2026-11-30', 3), '2027-02-28')
  })

  it('computes completed years of age', () => {
    assert.equal(ageOn('2008-05-10', '2026-05-09'), 17)
    assert.equal(ageOn('2008-05-10', '2026-05-10'), 18)
    assert.equal(ageOn('2008-02-29', '2026-02-28'), 17)
    assert.equal(ageOn('2008-02-29', '2026-03-01'), 18)
  })

  it('validates dates and names weekdays', () => {
    assert.ok(isLocalDate('2024-02-29'))
    assert.ok(!isLocalDate('2026-02-29'))
    assert.ok(!isLocalDate('2026-13-01'))
    assert.equal(isoWeekday('2026-11-21'), 6)
    assert.equal(isoWeekday('2026-11-22'), 7)
    assert.equal(formatDanishDate('2026-03-03'), '3. marts 2026')
  })

  it('round-trips local instants and keeps addDays and daysBetween inverse (property)', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2000-01-01'), max: new Date('2040-01-01'), noInvalidDate: true }),
        fc.integer({ min: -800, max: 800 }),
        (instant, n) => {
          const date = localDateOf(instant)
          assert.equal(daysBetween(date, addDays(date, n)), n)
          assert.equal(localDateOf(instantOfLocal(date, '12:00')), date)
        },
      ),
    )
  })

  it('agrees with the time-zone database for any instant (property)', () => {
    const reference = new Intl.DateTimeFormat('sv-SE', {
      timeZone: 'Europe/Copenhagen',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    })
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1970-01-01'), max: new Date('2060-01-01'), noInvalidDate: true }),
        (instant) => {
          assert.equal(formatLocalInstant(instant).slice(0, 19).replace('T', ' '), reference.format(instant))
        },
      ),
      { numRuns: 2000 },
    )
  })
})
