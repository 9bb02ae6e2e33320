import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import {
  formatFbsDate,
  formatSip2Date,
  formatSip2DateUtc,
  parseFbsDate,
  parseSip2Date,
  SIP2_BLANK_DATE,
} from './sip2-dates.ts'

describe('SIP2 dates', () => {
  it('reads local time (four blanks) in winter and summer', () => {
    assert.equal(parseSip2Date('20260302    100000')?.toISOString(), '2026-03-02T09:00:00.000Z')
    assert.equal(parseSip2Date('20260715    235959')?.toISOString(), '2026-07-15T21:59:59.000Z')
  })

  it('reads UTC with a Z zone', () => {
    assert.equal(parseSip2Date('20260302   Z100000')?.toISOString(), '2026-03-02T10:00:00.000Z')
    assert.equal(parseSip2Date('20260302 UTC100000')?.toISOString(), '2026-03-02T10:00:00.000Z')
  })

  it('reads blanks, empty and garbage as null', () => {
    assert.equal(parseSip2Date(SIP2_BLANK_DATE), null)
    assert.equal(parseSip2Date(''), null)
    assert.equal(parseSip2Date(undefined), null)
    assert.equal(parseSip2Date('20261302    100000'), null)
    assert.equal(parseSip2Date('20260230    100000'), null)
    assert.equal(parseSip2Date('20260302    250000'), null)
    assert.equal(parseSip2Date('yesterday at noon!'), null)
  })

  it('reads the short forms some clients send', () => {
    assert.equal(parseSip2Date('20260302')?.toISOString(), '2026-03-01T23:00:00.000Z')
    assert.equal(parseSip2Date('20260302100000')?.toISOString(), '2026-03-02T09:00:00.000Z')
  })

  it('writes local time with four blanks, and UTC with Z', () => {
    assert.equal(formatSip2Date(new Date('2026-03-02T09:00:00Z')), '20260302    100000')
    assert.equal(formatSip2Date(new Date('2026-07-15T21:59:59Z')), '20260715    235959')
    assert.equal(formatSip2Date(null), SIP2_BLANK_DATE)
    assert.equal(formatSip2DateUtc(new Date('2026-03-02T09:00:00Z')), '20260302   Z090000')
    assert.equal(formatFbsDate(new Date('2026-03-02T09:00:00Z')), '20260302    100000')
    assert.equal(parseFbsDate('20260302    100000')?.toISOString(), '2026-03-02T09:00:00.000Z')
  })

  it('handles the daylight-saving changes', () => {
    // 25 October 2026 03:00 summer time becomes 02:00 winter time; 00:30 UTC is 02:30 summer time.
    assert.equal(formatSip2Date(new Date('2026-10-25T00:30:00Z')), '20261025    023000')
    assert.equal(formatSip2Date(new Date('2026-10-25T01:30:00Z')), '20261025    023000')
    // The ambiguous local time reads as its first occurrence.
    assert.equal(parseSip2Date('20261025    023000')?.toISOString(), '2026-10-25T00:30:00.000Z')
  })

  it('round-trips whole seconds outside the autumn repeated hour', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2000, 0, 1) / 1000, max: Date.UTC(2099, 0, 1) / 1000 }), (s) => {
        const instant = new Date(s * 1000)
        const back = parseSip2Date(formatSip2Date(instant))
        assert.ok(back)
        // In the repeated hour the winter-time instant reads back an hour earlier.
        assert.ok(back.getTime() === instant.getTime() || back.getTime() === instant.getTime() - 3_600_000)
        assert.equal(parseSip2Date(formatSip2DateUtc(instant))?.getTime(), instant.getTime())
      }),
    )
  })

  it('never throws on any text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (text) => {
        const value = parseSip2Date(text)
        assert.ok(value === null || !Number.isNaN(value.getTime()))
      }),
    )
  })
})
