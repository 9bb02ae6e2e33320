import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { ValidationError } from '../shared/errors.ts'
import { addDays, daysBetween, isoWeekday, type LocalDate } from '../shared/time.ts'
import { addBankDays, danishBankHolidays, easterSunday, isBankDay } from './bank-days.ts'

const isWeekend = (date: LocalDate): boolean => isoWeekday(date) >= 6

const dates = fc.integer({ min: 0, max: 365 * 120 }).map((offset) => addDays('1990-01-01', offset))

/** Published closing days on weekdays are all listed; the ones left out of the publication are weekends. */
function assertMatchesPublished(year: number, published: LocalDate[]): void {
  const ours = danishBankHolidays(year)
  for (const date of published) assert.ok(ours.includes(date), `${date} is missing`)
  for (const date of ours) {
    if (!published.includes(date)) assert.ok(isWeekend(date), `${date} is not published and not a weekend`)
  }
}

describe('easterSunday', () => {
  it('finds known Easter Sundays', () => {
    assert.equal(easterSunday(2024), '2024-03-31')
    assert.equal(easterSunday(2025), '2025-04-20')
    assert.equal(easterSunday(2026), '2026-04-05')
    assert.equal(easterSunday(2027), '2027-03-28')
    assert.equal(easterSunday(2000), '2000-04-23')
    assert.equal(easterSunday(2011), '2011-04-24')
    // The earliest and latest possible dates.
    assert.equal(easterSunday(1818), '1818-03-22')
    assert.equal(easterSunday(2285), '2285-03-22')
    assert.equal(easterSunday(2038), '2038-04-25')
  })

  it('is always a Sunday from 22 March to 25 April', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1583, max: 9999 }), (year) => {
        const easter = easterSunday(year)
        assert.equal(isoWeekday(easter), 7)
        assert.ok(easter >= `${year}-03-22` && easter <= `${year}-04-25`, easter)
      }),
    )
  })

  it('refuses years outside the Gregorian calendar and five-digit years', () => {
    for (const year of [1582, 10_000, 2024.5, Number.NaN]) {
      assert.throws(() => easterSunday(year), ValidationError, String(year))
    }
  })
})

describe('danishBankHolidays', () => {
  it('lists every closing day of 2026, as Danmarks Nationalbank publishes them', () => {
    assert.deepEqual(danishBankHolidays(2026), [
      '2026-01-01',
      '2026-04-02',
      '2026-04-03',
      '2026-04-05',
      '2026-04-06',
      '2026-05-14',
      '2026-05-15',
      '2026-05-24',
      '2026-05-25',
      '2026-06-05',
      '2026-12-24',
      '2026-12-25',
      '2026-12-26',
      '2026-12-31',
    ])
    // nationalbanken.dk, "Banklukkedage" (Easter Sunday and Whit Sunday are left out there as Sundays).
    assertMatchesPublished(2026, [
      '2026-01-01',
      '2026-04-02',
      '2026-04-03',
      '2026-04-06',
      '2026-05-14',
      '2026-05-15',
      '2026-05-25',
      '2026-06-05',
      '2026-12-24',
      '2026-12-25',
      '2026-12-26',
      '2026-12-31',
    ])
  })

  it('agrees with Danmarks Nationalbank for 2027', () => {
    assertMatchesPublished(2027, [
      '2027-01-01',
      '2027-03-25',
      '2027-03-26',
      '2027-03-29',
      '2027-05-06',
      '2027-05-07',
      '2027-05-17',
      '2027-06-05',
      '2027-12-24',
      '2027-12-31',
    ])
  })

  it('agrees with the 2016 list, Great Prayer Day included', () => {
    assertMatchesPublished(2016, [
      '2016-01-01',
      '2016-03-24',
      '2016-03-25',
      '2016-03-28',
      '2016-04-22',
      '2016-05-05',
      '2016-05-06',
      '2016-05-16',
      '2016-12-26',
    ])
  })

  it('has Great Prayer Day in 2023 and not from 2024, when it was abolished', () => {
    assert.ok(danishBankHolidays(2023).includes('2023-05-05'))
    assert.equal(isBankDay('2023-05-05'), false)
    assert.ok(!danishBankHolidays(2024).includes('2024-04-26'))
    assert.equal(isBankDay('2024-04-26'), true)
    assert.equal(danishBankHolidays(2023).length, 15)
    assert.equal(danishBankHolidays(2024).length, 14)
  })

  it('lists each day once when Whit Monday is Constitution Day', () => {
    const holidays = danishBankHolidays(2006)
    assert.equal(holidays.filter((date) => date === '2006-06-05').length, 1)
    assert.equal(holidays.length, 14)
  })

  it('is sorted, within the year, and places the movable days around Easter', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1583, max: 9999 }), (year) => {
        const holidays = danishBankHolidays(year)
        assert.deepEqual(holidays, [...holidays].sort())
        assert.equal(new Set(holidays).size, holidays.length)
        for (const date of holidays) assert.ok(date.startsWith(`${year}-`), date)
        const easter = easterSunday(year)
        for (const [offset, weekday] of [
          [-3, 4],
          [-2, 5],
          [1, 1],
          [39, 4],
          [40, 5],
          [50, 1],
        ] as const) {
          const date = addDays(easter, offset)
          assert.ok(holidays.includes(date), `${date} (Easter ${offset >= 0 ? '+' : ''}${offset})`)
          assert.equal(isoWeekday(date), weekday)
        }
      }),
    )
  })
})

describe('isBankDay', () => {
  it('is false on weekends and closing days, true on other weekdays', () => {
    assert.equal(isBankDay('2026-03-02'), true)
    assert.equal(isBankDay('2026-03-07'), false)
    assert.equal(isBankDay('2026-03-08'), false)
    assert.equal(isBankDay('2026-04-03'), false)
    assert.equal(isBankDay('2026-05-15'), false)
    assert.equal(isBankDay('2026-06-05'), false)
    assert.equal(isBankDay('2026-12-31'), false)
    assert.equal(isBankDay('2026-12-30'), true)
  })

  it('refuses what is not a date', () => {
    for (const date of ['2026-02-30', '2026-3-2', '', 'i morgen']) {
      assert.throws(() => isBankDay(date), ValidationError, date)
    }
  })
})

describe('addBankDays', () => {
  it('counts the bank days after the date', () => {
    assert.equal(addBankDays('2026-03-02', 1), '2026-03-03')
    assert.equal(addBankDays('2026-03-06', 1), '2026-03-09')
    assert.equal(addBankDays('2026-03-07', 1), '2026-03-09')
    assert.equal(addBankDays('2026-03-02', 5), '2026-03-09')
  })

  it('returns the date itself for 0 days if it is a bank day, else the next bank day', () => {
    assert.equal(addBankDays('2026-03-02', 0), '2026-03-02')
    assert.equal(addBankDays('2026-03-07', 0), '2026-03-09')
    assert.equal(addBankDays('2026-04-02', 0), '2026-04-07')
  })

  it('skips Easter', () => {
    // 2 and 3 April are Maundy Thursday and Good Friday, 6 April Easter Monday.
    assert.equal(addBankDays('2026-04-01', 1), '2026-04-07')
    assert.equal(addBankDays('2026-03-31', 3), '2026-04-08')
    assert.equal(addBankDays('2025-04-16', 1), '2025-04-22')
  })

  it('skips Ascension and the Friday after it', () => {
    assert.equal(addBankDays('2026-05-13', 1), '2026-05-18')
    assert.equal(addBankDays('2026-05-13', 3), '2026-05-20')
  })

  it('skips Christmas and New Year', () => {
    // 24, 25, 26 and 31 December 2025 and 1 January 2026 are closed; 27-28 December is a weekend.
    assert.equal(addBankDays('2025-12-23', 1), '2025-12-29')
    assert.equal(addBankDays('2025-12-23', 2), '2025-12-30')
    assert.equal(addBankDays('2025-12-23', 3), '2026-01-02')
    assert.equal(addBankDays('2025-12-23', 5), '2026-01-06')
    assert.equal(addBankDays('2025-12-24', 0), '2025-12-29')
  })

  it('refuses negative and fractional days and bad dates', () => {
    assert.throws(() => addBankDays('2026-03-02', -1), ValidationError)
    assert.throws(() => addBankDays('2026-03-02', 1.5), ValidationError)
    assert.throws(() => addBankDays('2026-03-02', Number.NaN), ValidationError)
    assert.throws(() => addBankDays('2026-02-30', 0), ValidationError)
    assert.throws(() => addBankDays('2026-02-30', 1), ValidationError)
  })

  it('always lands on a bank day with exactly `days` bank days after the date up to it', () => {
    fc.assert(
      fc.property(dates, fc.integer({ min: 0, max: 30 }), (date, days) => {
        const result = addBankDays(date, days)
        assert.equal(isBankDay(result), true)
        assert.ok(result >= date)
        let bankDaysAfter = 0
        for (let day = addDays(date, 1); day <= result; day = addDays(day, 1)) {
          if (isBankDay(day)) bankDaysAfter += 1
        }
        assert.equal(bankDaysAfter, days === 0 && result !== date ? 1 : days)
        if (days > 0) assert.ok(daysBetween(date, result) >= days)
      }),
    )
  })

  it('is monotonic in the days, strictly so from one day on', () => {
    fc.assert(
      fc.property(
        dates,
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: 1, max: 30 }),
        (date, days, more) => {
          const earlier = addBankDays(date, days)
          const later = addBankDays(date, days + more)
          if (days === 0 && !isBankDay(date)) assert.ok(earlier <= later)
          else assert.ok(earlier < later, `${earlier} < ${later}`)
        },
      ),
    )
  })

  it('is monotonic in the date', () => {
    fc.assert(
      fc.property(
        dates,
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 0, max: 30 }),
        (date, gap, days) => {
          assert.ok(addBankDays(date, days) <= addBankDays(addDays(date, gap), days))
        },
      ),
    )
  })
})
