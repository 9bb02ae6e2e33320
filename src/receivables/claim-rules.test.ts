import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import type { ChargeKind } from '../db/schema.ts'
import { addDays, addMonths, daysBetween, type LocalDate } from '../shared/time.ts'
import {
  type ClaimableCharge,
  type DunningState,
  type DunningStep,
  deadlineFor,
  groupIntoClaims,
  interestFor,
  ladderFor,
  legalKindOf,
  monthsStartedAfter,
  nextDunningStep,
} from './claim-rules.ts'
import { type Ladder, ReceivablesCatalog, readReceivablesPolicyFiles } from './receivables-policy.ts'

const catalog = new ReceivablesCatalog(readReceivablesPolicyFiles())
const kk = catalog.inForce('kobenhavn', '2026-03-01')
const koge = catalog.inForce('koge', '2026-03-01')

const dates = fc.integer({ min: 0, max: 365 * 30 }).map((offset) => addDays('2010-01-01', offset))

const ladders: fc.Arbitrary<Ladder> = fc.record({
  fees: fc.array(fc.integer({ min: 0, max: 100_000 }), { minLength: 1, maxLength: 5 }),
  firstAfterDays: fc.integer({ min: 0, max: 30 }),
  intervalDays: fc.integer({ min: 1, max: 30 }),
  letterDeadlineDays: fc.integer({ min: 1, max: 30 }),
})

interface Happened {
  on: LocalDate
  step: DunningStep
}

/**
 * Drives one unpaid claim through the dunning ladder as the nightly run does: it asks only on the given
 * run dates after the deadline, records each step and updates the claim's state as billing-job.ts does.
 */
function runDunning(
  deadline: LocalDate,
  ladder: Ladder,
  transferAfterDays: number,
  runDates: readonly LocalDate[],
): Happened[] {
  const state: DunningState = {
    deadline,
    dunningLetters: 0,
    lastLetterOn: null,
    lastLetterDeadline: null,
    transferNoticeOn: null,
  }
  const happened: Happened[] = []
  for (const today of runDates) {
    // The nightly run only looks at claims whose deadline has passed.
    if (today <= deadline) continue
    const step = nextDunningStep(state, ladder, transferAfterDays, today)
    if (!step) continue
    happened.push({ on: today, step })
    if (step.kind === 'letter') {
      state.dunningLetters = step.number
      state.lastLetterOn = today
      state.lastLetterDeadline = step.deadline
    } else if (step.kind === 'transfer-notice') {
      state.transferNoticeOn = today
    } else {
      break
    }
  }
  return happened
}

function everyDay(from: LocalDate, to: LocalDate): LocalDate[] {
  const days: LocalDate[] = []
  for (let day = from; day <= to; day = addDays(day, 1)) days.push(day)
  return days
}

/** Days enough for the whole ladder, its notice and the transfer, run every night. */
function horizon(deadline: LocalDate, ladder: Ladder, transferAfterDays: number): LocalDate[] {
  const span =
    ladder.firstAfterDays +
    Math.max(ladder.intervalDays, ladder.letterDeadlineDays + 1) * ladder.fees.length +
    ladder.letterDeadlineDays +
    transferAfterDays +
    10
  return everyDay(addDays(deadline, -3), addDays(deadline, span))
}

const lettersOf = (happened: readonly Happened[]) =>
  happened.flatMap((h) => (h.step.kind === 'letter' ? [{ on: h.on, ...h.step }] : []))

describe('legalKindOf', () => {
  it('makes overdue fees, dunning fees and interest public-law claims', () => {
    for (const kind of ['overdue-fee', 'dunning-fee', 'interest']) assert.equal(legalKindOf(kind), 'public')
  })

  it('makes replacement, processing fee, postage and other issuers’ lines civil-law claims', () => {
    for (const kind of ['replacement', 'processing-fee', 'postage', 'other']) {
      assert.equal(legalKindOf(kind), 'civil', kind)
    }
  })
})

describe('groupIntoClaims', () => {
  const charge = (
    id: number,
    kind: ChargeKind,
    amount: number,
    extra: Partial<ClaimableCharge> = {},
  ): ClaimableCharge => ({
    id,
    patronId: 1,
    loanId: 10,
    kind,
    amount,
    chargeDate: '2026-04-30',
    ...extra,
  })

  it('splits a lost item into one civil claim (replacement and processing fee) and one public (its fee)', () => {
    const groups = groupIntoClaims([
      charge(1, 'overdue-fee', 23000),
      charge(2, 'replacement', 25500),
      charge(3, 'processing-fee', 9000),
    ])
    assert.deepEqual(
      groups.map((g) => [g.legalKind, g.charges.map((c) => c.id)]),
      [
        ['public', [1]],
        ['civil', [2, 3]],
      ],
    )
  })

  it('keeps different loans, patrons and dates apart', () => {
    const groups = groupIntoClaims([
      charge(1, 'overdue-fee', 2000, { loanId: 10 }),
      charge(2, 'overdue-fee', 2000, { loanId: 11 }),
      charge(3, 'overdue-fee', 2000, { loanId: 10, patronId: 2 }),
      charge(4, 'overdue-fee', 2000, { loanId: 10, chargeDate: '2026-05-01' }),
    ])
    assert.deepEqual(
      groups.map((g) => g.charges.map((c) => c.id)),
      [[1], [2], [3], [4]],
    )
  })

  it('gives every charge without a loan a claim of its own', () => {
    const groups = groupIntoClaims([
      charge(1, 'postage', 1000, { loanId: null }),
      charge(2, 'postage', 1000, { loanId: null }),
    ])
    assert.deepEqual(
      groups.map((g) => [g.legalKind, g.charges.map((c) => c.id)]),
      [
        ['civil', [1]],
        ['civil', [2]],
      ],
    )
  })

  it('puts every charge in exactly one group of one patron, loan, legal kind and date (property)', () => {
    const kinds: ChargeKind[] = ['overdue-fee', 'replacement', 'processing-fee', 'postage', 'dunning-fee']
    const charges = fc
      .array(
        fc.record({
          patronId: fc.integer({ min: 1, max: 3 }),
          loanId: fc.option(fc.integer({ min: 1, max: 3 }), { nil: null }),
          kind: fc.constantFrom(...kinds),
          amount: fc.integer({ min: 1, max: 50_000 }),
          chargeDate: fc.constantFrom('2026-04-01', '2026-04-02'),
        }),
        { maxLength: 30 },
      )
      .map((list) => list.map((c, index) => ({ ...c, id: index + 1 })))
    fc.assert(
      fc.property(charges, (list) => {
        const groups = groupIntoClaims(list)
        const ids = groups.flatMap((g) => g.charges.map((c) => c.id)).sort((a, b) => a - b)
        assert.deepEqual(
          ids,
          list.map((c) => c.id),
        )
        for (const group of groups) {
          const [first] = group.charges
          assert.ok(first)
          for (const c of group.charges) {
            assert.equal(legalKindOf(c.kind), group.legalKind)
            assert.equal(c.patronId, first.patronId)
            assert.equal(c.loanId, first.loanId)
            assert.equal(c.chargeDate, first.chargeDate)
          }
          if (first.loanId === null) assert.equal(group.charges.length, 1)
        }
        const keys = new Set(
          list.map((c) => `${c.patronId}:${c.loanId ?? `c${c.id}`}:${legalKindOf(c.kind)}:${c.chargeDate}`),
        )
        assert.equal(groups.length, keys.size)
      }),
    )
  })
})

describe('deadlineFor', () => {
  it('is 14 days after the bill, which goes out the morning after the claim appears', () => {
    assert.equal(deadlineFor(kk, '2026-04-09'), '2026-04-24')
  })

  it('runs over month and year ends and leap days', () => {
    assert.equal(deadlineFor(kk, '2026-12-31'), '2027-01-15')
    assert.equal(deadlineFor(kk, '2024-02-14'), '2024-02-29')
    assert.equal(deadlineFor(kk, '2026-02-14'), '2026-03-01')
  })

  it('is always deadlineDays + 1 calendar days after the claim date (property)', () => {
    fc.assert(
      fc.property(dates, (date) => {
        assert.equal(daysBetween(date, deadlineFor(kk, date)), kk.billing.deadlineDays.value + 1)
      }),
    )
  })
})

describe('ladderFor', () => {
  it('takes the legal kind’s ladder, or the issuer’s own', () => {
    assert.deepEqual(ladderFor(kk, 'public', null).fees, [25000, 25000, 25000])
    assert.deepEqual(ladderFor(kk, 'civil', null).fees, [10000, 10000, 10000])
    assert.deepEqual(ladderFor(koge, 'public', 'property').fees, [25000, 25000, 45000])
  })

  it('falls back to the legal kind’s ladder for an issuer ladder the policy does not have', () => {
    assert.deepEqual(ladderFor(kk, 'public', 'property').fees, [25000, 25000, 25000])
  })
})

describe('nextDunningStep through the whole ladder (København, public law)', () => {
  const ladder = ladderFor(kk, 'public', null)
  const transferAfter = kk.transfer.afterLastDeadlineDays.value
  const fresh: DunningState = {
    deadline: '2026-04-24',
    dunningLetters: 0,
    lastLetterOn: null,
    lastLetterDeadline: null,
    transferNoticeOn: null,
  }

  it('sends nothing until 7 days after the deadline, then letter 1 with 250 kr and a 10-day deadline', () => {
    assert.equal(nextDunningStep(fresh, ladder, transferAfter, '2026-04-25'), null)
    assert.equal(nextDunningStep(fresh, ladder, transferAfter, '2026-04-30'), null)
    assert.deepEqual(nextDunningStep(fresh, ladder, transferAfter, '2026-05-01'), {
      kind: 'letter',
      number: 1,
      fee: 25000,
      deadline: '2026-05-11',
    })
  })

  it('sends a late first letter with its deadline counted from the day it goes out', () => {
    assert.deepEqual(nextDunningStep(fresh, ladder, transferAfter, '2026-05-04'), {
      kind: 'letter',
      number: 1,
      fee: 25000,
      deadline: '2026-05-14',
    })
  })

  it('sends letters 2 and 3 the day after the one before has its deadline (10 days, then 1)', () => {
    const afterFirst = {
      ...fresh,
      dunningLetters: 1,
      lastLetterOn: '2026-05-01',
      lastLetterDeadline: '2026-05-11',
    }
    assert.equal(nextDunningStep(afterFirst, ladder, transferAfter, '2026-05-11'), null)
    assert.deepEqual(nextDunningStep(afterFirst, ladder, transferAfter, '2026-05-12'), {
      kind: 'letter',
      number: 2,
      fee: 25000,
      deadline: '2026-05-22',
    })
    const afterSecond = {
      ...fresh,
      dunningLetters: 2,
      lastLetterOn: '2026-05-12',
      lastLetterDeadline: '2026-05-22',
    }
    assert.equal(nextDunningStep(afterSecond, ladder, transferAfter, '2026-05-22'), null)
    assert.deepEqual(nextDunningStep(afterSecond, ladder, transferAfter, '2026-05-23'), {
      kind: 'letter',
      number: 3,
      fee: 25000,
      deadline: '2026-06-02',
    })
  })

  it('sends the written notice the day after the last letter’s deadline, and transfers after the notice’s deadline', () => {
    const afterThird = {
      ...fresh,
      dunningLetters: 3,
      lastLetterOn: '2026-05-21',
      lastLetterDeadline: '2026-05-31',
    }
    assert.equal(nextDunningStep(afterThird, ladder, transferAfter, '2026-05-31'), null)
    assert.deepEqual(nextDunningStep(afterThird, ladder, transferAfter, '2026-06-01'), {
      kind: 'transfer-notice',
      deadline: '2026-06-10',
    })
    const noticed = { ...afterThird, transferNoticeOn: '2026-06-01' }
    // The notice's deadline is its last day to pay; the transfer comes the day after.
    assert.equal(nextDunningStep(noticed, ladder, transferAfter, '2026-06-10'), null)
    assert.deepEqual(nextDunningStep(noticed, ladder, transferAfter, '2026-06-11'), { kind: 'transfer' })
  })

  it('gives a notice sent late (nights without a run) its full 10 days from the day it goes out', () => {
    const afterThird = {
      ...fresh,
      dunningLetters: 3,
      lastLetterOn: '2026-05-21',
      lastLetterDeadline: '2026-05-31',
    }
    assert.deepEqual(nextDunningStep(afterThird, ladder, transferAfter, '2026-06-20'), {
      kind: 'transfer-notice',
      deadline: '2026-06-29',
    })
    const noticed = { ...afterThird, transferNoticeOn: '2026-06-20' }
    assert.equal(nextDunningStep(noticed, ladder, transferAfter, '2026-06-29'), null)
    assert.deepEqual(nextDunningStep(noticed, ladder, transferAfter, '2026-06-30'), { kind: 'transfer' })
  })

  it('never transfers without the written notice first', () => {
    const afterThird = {
      ...fresh,
      dunningLetters: 3,
      lastLetterOn: '2026-05-21',
      lastLetterDeadline: '2026-05-31',
    }
    assert.equal(nextDunningStep(afterThird, ladder, transferAfter, '2026-07-31')?.kind, 'transfer-notice')
  })

  it('follows Køge’s property ladder: dunning 250 kr, warning 250 kr, notice of distraint 450 kr', () => {
    const property = ladderFor(koge, 'public', 'property')
    const happened = runDunning(
      '2026-04-24',
      property,
      koge.transfer.afterLastDeadlineDays.value,
      everyDay('2026-04-24', '2026-07-31'),
    )
    assert.deepEqual(
      happened.map((h) => [h.on, h.step.kind, h.step.kind === 'letter' ? h.step.fee : null]),
      [
        ['2026-05-01', 'letter', 25000],
        ['2026-05-12', 'letter', 25000],
        ['2026-05-23', 'letter', 45000],
        ['2026-06-03', 'transfer-notice', null],
        ['2026-06-13', 'transfer', null],
      ],
    )
  })
})

const maxOf = (a: LocalDate, b: LocalDate): LocalDate => (a > b ? a : b)

describe('the dunning ladder (property)', () => {
  it('run every night: each letter of the ladder once, in order, on time, then the notice and the transfer', () => {
    fc.assert(
      fc.property(dates, ladders, fc.integer({ min: 1, max: 30 }), (deadline, ladder, transferAfter) => {
        const happened = runDunning(deadline, ladder, transferAfter, horizon(deadline, ladder, transferAfter))
        const letters = lettersOf(happened)
        assert.deepEqual(
          letters.map((l) => [l.number, l.fee]),
          ladder.fees.map((fee, index) => [index + 1, fee]),
        )
        letters.forEach((letter, index) => {
          const expected =
            index === 0
              ? addDays(deadline, Math.max(ladder.firstAfterDays, 1))
              : maxOf(
                  addDays(
                    (letters[index - 1] as { on: LocalDate; deadline: LocalDate }).on,
                    ladder.intervalDays,
                  ),
                  addDays((letters[index - 1] as { on: LocalDate; deadline: LocalDate }).deadline, 1),
                )
          assert.equal(letter.on, expected)
          assert.equal(letter.deadline, addDays(letter.on, ladder.letterDeadlineDays))
        })
        const last = letters[letters.length - 1] as { deadline: LocalDate }
        assert.deepEqual(
          happened.slice(letters.length).map((h) => [h.step.kind, h.on]),
          [
            ['transfer-notice', addDays(last.deadline, 1)],
            ['transfer', addDays(last.deadline, Math.max(transferAfter + 1, 2))],
          ],
        )
      }),
    )
  })

  it('run on any nights: never more letters than the ladder, at least intervalDays apart, and the notice before the transfer', () => {
    fc.assert(
      fc.property(
        dates,
        ladders,
        fc.integer({ min: 1, max: 30 }),
        fc.uniqueArray(fc.integer({ min: 0, max: 400 }), { maxLength: 80 }),
        (deadline, ladder, transferAfter, offsets) => {
          const runDates = [...offsets].sort((a, b) => a - b).map((n) => addDays(deadline, n))
          const happened = runDunning(deadline, ladder, transferAfter, runDates)
          const letters = lettersOf(happened)
          assert.ok(letters.length <= ladder.fees.length)
          letters.forEach((letter, index) => {
            assert.equal(letter.number, index + 1)
            assert.equal(letter.fee, ladder.fees[index])
            if (index === 0) assert.ok(daysBetween(deadline, letter.on) >= ladder.firstAfterDays)
            else {
              const before = letters[index - 1] as { on: LocalDate }
              assert.ok(daysBetween(before.on, letter.on) >= ladder.intervalDays)
            }
          })
          const kinds = happened.map((h) => h.step.kind)
          const notice = happened.find((h) => h.step.kind === 'transfer-notice')
          const transfer = happened.find((h) => h.step.kind === 'transfer')
          assert.ok(kinds.filter((k) => k === 'transfer-notice').length <= 1)
          assert.ok(kinds.filter((k) => k === 'transfer').length <= 1)
          if (notice) {
            assert.equal(letters.length, ladder.fees.length)
            const lastDeadline = (letters[letters.length - 1] as { deadline: LocalDate }).deadline
            assert.ok(notice.on > lastDeadline)
          }
          if (transfer) {
            assert.ok(notice && notice.on < transfer.on, 'the written notice comes first')
            const lastDeadline = (letters[letters.length - 1] as { deadline: LocalDate }).deadline
            assert.ok(daysBetween(lastDeadline, transfer.on) >= transferAfter)
            assert.equal(happened[happened.length - 1], transfer, 'nothing after the transfer')
          }
        },
      ),
    )
  })
})

describe('the deadlines the letters give (every shipped ladder)', () => {
  const cases = catalog.all().flatMap((policy) =>
    Object.entries(policy.dunning.ladders.value).map(([name, ladder]) => ({
      label: `${policy.municipality}/${name}`,
      ladder,
      transferAfter: policy.transfer.afterLastDeadlineDays.value,
    })),
  )

  /** Each step with the deadline the debtor held when it came: the claim's, then the last letter's or notice's. */
  function stepsWithDeadlineHeld(deadline: LocalDate, ladder: Ladder, transferAfter: number) {
    let held = deadline
    return runDunning(deadline, ladder, transferAfter, horizon(deadline, ladder, transferAfter)).map((h) => {
      const entry = { on: h.on, kind: h.step.kind, held }
      if (h.step.kind !== 'transfer') held = h.step.deadline
      return entry
    })
  }

  it('sends the next letter only once the last letter’s deadline (“betal senest”) has passed', () => {
    for (const { label, ladder, transferAfter } of cases) {
      for (const step of stepsWithDeadlineHeld('2026-04-24', ladder, transferAfter)) {
        if (step.kind === 'letter') assert.ok(step.on > step.held, `${label}: ${step.kind} on ${step.on}`)
      }
    }
  })

  it('transfers to Gældsstyrelsen only once the written notice’s deadline has passed', () => {
    for (const { label, ladder, transferAfter } of cases) {
      for (const step of stepsWithDeadlineHeld('2026-04-24', ladder, transferAfter)) {
        if (step.kind !== 'letter') assert.ok(step.on > step.held, `${label}: ${step.kind} on ${step.on}`)
      }
    }
  })
})

describe('civil-law claims (renteloven § 9 b)', () => {
  /** At most 3 letters, each fee at most 100 kr, at least 10 days apart. */
  function assertLawful(ladder: Ladder, transferAfter: number, deadline: LocalDate, label: string): void {
    const letters = lettersOf(
      runDunning(deadline, ladder, transferAfter, horizon(deadline, ladder, transferAfter)),
    )
    assert.ok(letters.length <= 3, `${label}: ${letters.length} letters`)
    for (const letter of letters) assert.ok(letter.fee <= 10000, `${label}: a fee of ${letter.fee} øre`)
    for (let i = 1; i < letters.length; i++) {
      const gap = daysBetween((letters[i - 1] as { on: LocalDate }).on, (letters[i] as { on: LocalDate }).on)
      assert.ok(gap >= 10, `${label}: letters ${gap} days apart`)
    }
  }

  it('every municipality’s civil ladder gives at most 3 letters of at most 100 kr, 10 days apart (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...catalog.all()), dates, (policy, deadline) => {
        const ladder = ladderFor(policy, 'civil', null)
        assertLawful(ladder, policy.transfer.afterLastDeadlineDays.value, deadline, policy.municipality)
      }),
    )
  })

  it('a civil claim from an issuer with a ladder of its own still gets at most 100 kr per letter (property)', () => {
    const cases = catalog
      .all()
      .flatMap((policy) => policy.issuers.value.map((issuer) => ({ policy, issuer })))
    fc.assert(
      fc.property(fc.constantFrom(...cases), dates, ({ policy, issuer }, deadline) => {
        const ladder = ladderFor(policy, 'civil', issuer.ladder ?? null)
        assertLawful(
          ladder,
          policy.transfer.afterLastDeadlineDays.value,
          deadline,
          `${policy.municipality}/${issuer.code}`,
        )
      }),
    )
  })
})

describe('monthsStartedAfter', () => {
  it('is 0 up to and on the deadline, 1 from the day after', () => {
    assert.equal(monthsStartedAfter('2026-04-24', '2026-04-01'), 0)
    assert.equal(monthsStartedAfter('2026-04-24', '2026-04-24'), 0)
    assert.equal(monthsStartedAfter('2026-04-24', '2026-04-25'), 1)
    assert.equal(monthsStartedAfter('2026-04-24', '2026-05-24'), 1)
    assert.equal(monthsStartedAfter('2026-04-24', '2026-05-25'), 2)
  })

  it('counts a deadline of 31 January’s first month to 28 February, or 29 February in a leap year', () => {
    assert.equal(monthsStartedAfter('2026-01-31', '2026-02-28'), 1)
    assert.equal(monthsStartedAfter('2026-01-31', '2026-03-01'), 2)
    assert.equal(monthsStartedAfter('2024-01-31', '2024-02-28'), 1)
    assert.equal(monthsStartedAfter('2024-01-31', '2024-02-29'), 1)
    assert.equal(monthsStartedAfter('2024-01-31', '2024-03-01'), 2)
    // The months stay anchored on the 31st: the third starts on 1 April, not 29 March.
    assert.equal(monthsStartedAfter('2026-01-31', '2026-03-29'), 2)
    assert.equal(monthsStartedAfter('2026-01-31', '2026-03-31'), 2)
    assert.equal(monthsStartedAfter('2026-01-31', '2026-04-01'), 3)
  })

  it('handles deadlines at other month ends and over the new year', () => {
    assert.equal(monthsStartedAfter('2026-03-31', '2026-04-30'), 1)
    assert.equal(monthsStartedAfter('2026-03-31', '2026-05-01'), 2)
    assert.equal(monthsStartedAfter('2025-12-15', '2026-01-15'), 1)
    assert.equal(monthsStartedAfter('2025-12-15', '2026-01-16'), 2)
    assert.equal(monthsStartedAfter('2024-02-29', '2025-02-28'), 12)
    assert.equal(monthsStartedAfter('2024-02-29', '2025-03-01'), 13)
  })

  it('starts month k + 1 on the day after the deadline plus k months (property)', () => {
    fc.assert(
      fc.property(dates, fc.integer({ min: 0, max: 40 }), (deadline, k) => {
        const end = addMonths(deadline, k)
        assert.equal(monthsStartedAfter(deadline, end), k)
        assert.equal(monthsStartedAfter(deadline, addDays(end, 1)), k + 1)
      }),
    )
  })

  it('never falls as time goes on and grows by at most one a day (property)', () => {
    fc.assert(
      fc.property(dates, fc.integer({ min: -40, max: 800 }), (deadline, offset) => {
        const today = addDays(deadline, offset)
        const months = monthsStartedAfter(deadline, today)
        const tomorrow = monthsStartedAfter(deadline, addDays(today, 1))
        assert.ok(tomorrow === months || tomorrow === months + 1)
        if (offset > 0) assert.ok(months >= 1 && months <= Math.ceil(offset / 28))
      }),
    )
  })
})

describe('interestFor', () => {
  it('is 1 % of the principal in whole øre', () => {
    assert.equal(interestFor(12000, 1), 120)
    assert.equal(interestFor(0, 1), 0)
    assert.equal(interestFor(12000, 0), 0)
    assert.equal(interestFor(25500, 2), 510)
  })

  it('rounds half an øre up and less than half down', () => {
    assert.equal(interestFor(12050, 1), 121)
    assert.equal(interestFor(12049, 1), 120)
    assert.equal(interestFor(12051, 1), 121)
    assert.equal(interestFor(50, 1), 1)
    assert.equal(interestFor(49, 1), 0)
    assert.equal(interestFor(150, 1), 2)
  })

  it('is the percentage rounded to the nearest øre, halves up (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000_000 }), fc.integer({ min: 0, max: 20 }), (p, percent) => {
        const interest = interestFor(p, percent)
        assert.ok(Number.isInteger(interest))
        const exact = p * percent
        assert.ok(interest * 100 - exact <= 50 && exact - interest * 100 < 50, `${p} × ${percent} %`)
      }),
    )
  })
})
