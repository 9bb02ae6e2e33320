import assert from 'node:assert/strict'
import { after, afterEach, describe, it } from 'node:test'
import { runCheckin, runCheckout } from '../circulation/circulation-edge.ts'
import type { ChargeKind, ClaimRow } from '../db/schema.ts'
import { addDays, daysBetween, instantOfLocal, type LocalDate } from '../shared/time.ts'
import { openTestServices, type TestContext } from '../test-support/test-services.ts'
import type { PaymentChannel } from './receivables-policy.ts'
import { ReceivablesRefusal } from './receivables-refusal.ts'
import { reconcile } from './reconciliation.ts'

// The receivables' nightly run through the real services: circulation makes the charges, the nightly
// (library steps, then billing) runs for every simulated day in turn at 02:00, and what citizens do
// (returns, payments) happens at midday.

const opened: TestContext[] = []
let inTest: { t: TestContext; municipality: string }[] = []

after(async () => {
  for (const t of opened) await t.close()
})

// Every test leaves a receivables ledger that balances and agrees with the claims, credit and payments.
afterEach(async () => {
  const contexts = inTest
  inTest = []
  for (const { t, municipality } of contexts) {
    const result = await reconcile(t.handle.db, municipality, '2099-12-31')
    assert.ok(result.ok, `${municipality}: ${JSON.stringify(result.checks.filter((c) => !c.ok))}`)
  }
})

async function openScenario(municipality: string, start: LocalDate): Promise<TestContext> {
  const t = await openTestServices(municipality, instantOfLocal(start, '09:00').toISOString())
  opened.push(t)
  inTest.push({ t, municipality })
  return t
}

async function nightly(t: TestContext, municipality: string, date: LocalDate) {
  t.clock.set(instantOfLocal(date, '02:00'))
  return t.services.jobs.nightly(municipality, date)
}

/** The nightly of every day from `from` to `to`, each followed by what happens that day (at midday). */
async function days(
  t: TestContext,
  municipality: string,
  from: LocalDate,
  to: LocalDate,
  during?: (date: LocalDate) => Promise<void>,
): Promise<void> {
  for (let date = from; date <= to; date = addDays(date, 1)) {
    await nightly(t, municipality, date)
    if (during) {
      t.clock.set(instantOfLocal(date, '12:00'))
      await during(date)
    }
  }
}

async function patronWithBook(
  t: TestContext,
  municipality: string,
  card: string,
  checkoutOn: LocalDate,
  options: { digitalPost?: boolean; barcode?: string } = {},
): Promise<void> {
  const known = await t.handle.db
    .selectFrom('patrons')
    .select('id')
    .where('cardNumber', '=', card)
    .executeTakeFirst()
  if (!known) {
    await t.patron({
      municipality,
      cardNumber: card,
      name: `Låner ${card}`,
      birthDate: '1975-05-05',
      digitalPost: options.digitalPost ?? true,
    })
  }
  const barcode = options.barcode ?? `${card}-bog`
  await t.item({ municipality, barcode, materialType: 'book', title: `Bog til ${card}` })
  await runCheckout(t.handle.db, t.services.circulation, {
    municipality,
    patron: card,
    item: barcode,
    at: instantOfLocal(checkoutOn, '10:00'),
  })
}

async function giveBack(t: TestContext, municipality: string, barcode: string, on: LocalDate) {
  return runCheckin(t.handle.db, t.services.circulation, {
    municipality,
    item: barcode,
    at: instantOfLocal(on, '12:00'),
  })
}

async function claimsOf(t: TestContext, card: string): Promise<ClaimRow[]> {
  return t.handle.db
    .selectFrom('claims')
    .innerJoin('debtors', 'debtors.id', 'claims.debtorId')
    .innerJoin('patrons', 'patrons.id', 'debtors.patronId')
    .selectAll('claims')
    .where('patrons.cardNumber', '=', card)
    .orderBy('claims.id')
    .execute()
}

async function onlyClaimOf(t: TestContext, card: string): Promise<ClaimRow> {
  const claims = await claimsOf(t, card)
  assert.equal(claims.length, 1, `${card} has one claim`)
  return claims[0] as ClaimRow
}

async function claim(t: TestContext, id: number): Promise<ClaimRow> {
  return t.handle.db.selectFrom('claims').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
}

/** A claim's bills, letters and notices as [kind, number, sent on, channel, amount, fee, deadline]. */
async function billsOf(t: TestContext, claimId: number) {
  const rows = await t.handle.db
    .selectFrom('bills')
    .selectAll()
    .where('claimId', '=', claimId)
    .orderBy('id')
    .execute()
  return rows.map((b) => [b.kind, b.letterNumber, b.sentOn, b.channel, b.amount, b.fee, b.deadline])
}

async function libraryCharges(t: TestContext, card: string, kind: ChargeKind) {
  return t.handle.db
    .selectFrom('charges')
    .innerJoin('patrons', 'patrons.id', 'charges.patronId')
    .select(['charges.id', 'charges.amount', 'charges.chargeDate', 'charges.status'])
    .where('patrons.cardNumber', '=', card)
    .where('charges.kind', '=', kind)
    .orderBy('charges.id')
    .execute()
}

async function linesOf(t: TestContext, claimId: number) {
  return t.handle.db
    .selectFrom('claimLines')
    .selectAll()
    .where('claimId', '=', claimId)
    .orderBy('id')
    .execute()
}

async function pay(
  t: TestContext,
  municipality: string,
  reference: string,
  amount: number,
  channel: PaymentChannel,
  on: LocalDate,
) {
  return t.tx((trx) =>
    t.services.receivables.payClaim(trx, {
      municipality,
      reference,
      amount,
      channel,
      at: instantOfLocal(on, '13:00'),
    }),
  )
}

async function payoutsOf(t: TestContext, card: string) {
  return t.handle.db
    .selectFrom('payouts')
    .innerJoin('debtors', 'debtors.id', 'payouts.debtorId')
    .innerJoin('patrons', 'patrons.id', 'debtors.patronId')
    .select(['payouts.amount', 'payouts.createdOn', 'payouts.dueOn', 'payouts.status', 'payouts.paidOutOn'])
    .where('patrons.cardNumber', '=', card)
    .orderBy('payouts.id')
    .execute()
}

async function creditOf(t: TestContext, card: string): Promise<number> {
  const row = await t.handle.db
    .selectFrom('debtors')
    .innerJoin('patrons', 'patrons.id', 'debtors.patronId')
    .select('debtors.credit')
    .where('patrons.cardNumber', '=', card)
    .executeTakeFirstOrThrow()
  return row.credit
}

const KK = 'kobenhavn'

describe('København: an overdue fee through bill, interest, dunning and transfer', () => {
  // Books out on Monday 2 March 2026, due 30 March, back on 9 April: 10 days late, 120 kr.
  const D = '2026-04-09'
  const DEADLINE = '2026-04-24' // D + 15: the bill on D + 1, then 14 days

  it('bills a 120 kr fee the next day and dunns it with interest until it goes to Gældsstyrelsen', async () => {
    const t = await openScenario(KK, '2026-03-02')
    await patronWithBook(t, KK, 'anna', '2026-03-02')
    await patronWithBook(t, KK, 'bent', '2026-03-02', { digitalPost: false })
    await nightly(t, KK, D)
    await giveBack(t, KK, 'anna-bog', D)
    await giveBack(t, KK, 'bent-bog', D)

    // The claim is there the same day, with its deadline; no bill yet.
    const anna = await onlyClaimOf(t, 'anna')
    assert.deepEqual(
      [anna.claimDate, anna.amount, anna.legalKind, anna.status, anna.deadline],
      [D, 12000, 'public', 'open', DEADLINE],
    )
    assert.deepEqual(await billsOf(t, anna.id), [])
    const bent = await onlyClaimOf(t, 'bent')

    const afterBill: unknown[][] = []
    await days(t, KK, addDays(D, 1), '2026-06-26', async (date) => {
      if (date === addDays(D, 1)) afterBill.push(...(await billsOf(t, anna.id)))
      // Up to the deadline no interest; until 7 days after it no letter.
      if (date === DEADLINE) assert.deepEqual(await libraryCharges(t, 'anna', 'interest'), [])
      if (date === '2026-04-30') assert.equal((await claim(t, anna.id)).dunningLetters, 0)
    })
    assert.deepEqual(afterBill, [['bill', 0, '2026-04-10', 'digital-post', 12000, 0, DEADLINE]])

    // 1 % interest per started month from the day after the deadline: months start 25 April and 25 May (the
    // third, 25 June, comes after the transfer). Dunning 7 days after the deadline, each next letter on
    // max(previous + 10, previous letter's deadline + 1), so 11 days apart, each with 250 kr; the notice the
    // day after the third letter's deadline, giving that deadline + 10; the transfer the day after that.
    //   letter 1: 24 Apr + 7 = 1 May, deadline 1 May + 10 = 11 May
    //   letter 2: max(1 May + 10, 11 May + 1) = 12 May, deadline 22 May
    //   letter 3: max(12 May + 10, 22 May + 1) = 23 May, deadline 2 June (still 1 month's interest)
    //   notice: 2 June + 1 = 3 June, deadline 2 June + 10 = 12 June (2 months' interest by then)
    //   transfer: 12 June + 1 = 13 June
    assert.deepEqual(await billsOf(t, anna.id), [
      ['bill', 0, '2026-04-10', 'digital-post', 12000, 0, DEADLINE],
      ['dunning-letter', 1, '2026-05-01', 'digital-post', 12000 + 120 + 25000, 25000, '2026-05-11'],
      ['dunning-letter', 2, '2026-05-12', 'digital-post', 12000 + 120 + 50000, 25000, '2026-05-22'],
      ['dunning-letter', 3, '2026-05-23', 'digital-post', 12000 + 120 + 75000, 25000, '2026-06-02'],
      ['transfer-notice', 0, '2026-06-03', 'digital-post', 12000 + 240 + 75000, 0, '2026-06-12'],
    ])
    assert.deepEqual(
      (await libraryCharges(t, 'anna', 'interest')).map((c) => [c.chargeDate, c.amount]),
      [
        ['2026-04-25', 120],
        ['2026-05-25', 120],
      ],
    )
    const after = await claim(t, anna.id)
    assert.deepEqual(
      [
        after.status,
        after.transferredOn,
        after.transferNoticeOn,
        after.dunningLetters,
        after.amount,
        after.paid,
      ],
      ['transferred', '2026-06-13', '2026-06-03', 3, 12000 + 240 + 75000, 0],
    )
    const transfers = await t.handle.db
      .selectFrom('transfers')
      .selectAll()
      .where('claimId', '=', anna.id)
      .execute()
    assert.deepEqual(
      transfers.map((r) => [r.municipality, r.debtorId, r.amount, r.transferredOn]),
      [[KK, anna.debtorId, 87240, '2026-06-13']],
    )

    // Every dunning fee is also a charge on the patron's library account, linked from its claim line.
    const dunningCharges = await libraryCharges(t, 'anna', 'dunning-fee')
    assert.deepEqual(
      dunningCharges.map((c) => [c.chargeDate, c.amount, c.status]),
      [
        ['2026-05-01', 25000, 'open'],
        ['2026-05-12', 25000, 'open'],
        ['2026-05-23', 25000, 'open'],
      ],
    )
    const feeLines = (await linesOf(t, anna.id)).filter((l) => l.kind === 'dunning-fee')
    assert.deepEqual(
      feeLines.map((l) => [l.chargeId, l.amount]),
      dunningCharges.map((c) => [c.id, 25000]),
    )

    // Without Digital Post every bill, letter and notice is a paper letter.
    const bentBills = await billsOf(t, bent.id)
    assert.equal(bentBills.length, 5)
    assert.deepEqual(
      bentBills.map((b) => b[3]),
      ['letter', 'letter', 'letter', 'letter', 'letter'],
    )
    assert.equal((await claim(t, bent.id)).status, 'transferred')
  })

  it('catches up on interest for nights without a run, naming each started month once', async () => {
    const t = await openScenario(KK, '2026-03-02')
    await patronWithBook(t, KK, 'otto', '2026-03-02')
    await giveBack(t, KK, 'otto-bog', D)
    // No run between the return and 1 July: three months have started since the deadline of 24 April
    // (on 25 April, 25 May and 25 June), each 1 % of 120 kr.
    await nightly(t, KK, '2026-07-01')
    const otto = await onlyClaimOf(t, 'otto')
    const interest = (await linesOf(t, otto.id)).filter((l) => l.kind === 'interest')
    assert.deepEqual(
      interest.map((l) => [l.text, l.amount]),
      [1, 2, 3].map((n) => [`Rente for ${n}. påbegyndte måned efter fristen`, 120]),
    )
  })

  it('sends no letter for a claim paid before its deadline, and no second one when paid after the first', async () => {
    const t = await openScenario(KK, '2026-03-02')
    await patronWithBook(t, KK, 'carl', '2026-03-02')
    await patronWithBook(t, KK, 'dora', '2026-03-02')
    await nightly(t, KK, D)
    await giveBack(t, KK, 'carl-bog', D)
    await giveBack(t, KK, 'dora-bog', D)
    const carl = await onlyClaimOf(t, 'carl')
    const dora = await onlyClaimOf(t, 'dora')

    await days(t, KK, addDays(D, 1), '2026-06-30', async (date) => {
      if (date === '2026-04-19') {
        const outcome = await pay(t, KK, carl.paymentId, 12000, 'mbo-card', date)
        assert.deepEqual([outcome.status, outcome.applied, outcome.credit], ['applied', 12000, 0])
      }
      if (date === '2026-05-02') {
        const unpaid = await claim(t, dora.id)
        assert.equal(unpaid.amount - unpaid.paid, 12000 + 120 + 25000)
        await pay(t, KK, dora.paymentId, unpaid.amount - unpaid.paid, 'mobilepay', date)
      }
    })

    assert.deepEqual(await billsOf(t, carl.id), [
      ['bill', 0, '2026-04-10', 'digital-post', 12000, 0, DEADLINE],
    ])
    const carlAfter = await claim(t, carl.id)
    assert.deepEqual([carlAfter.status, carlAfter.dunningLetters, carlAfter.amount], ['paid', 0, 12000])
    assert.deepEqual(await libraryCharges(t, 'carl', 'interest'), [])
    assert.deepEqual(
      (await libraryCharges(t, 'carl', 'overdue-fee')).map((c) => c.status),
      ['paid'],
    )

    assert.deepEqual(
      (await billsOf(t, dora.id)).map((b) => [b[0], b[1], b[2]]),
      [
        ['bill', 0, '2026-04-10'],
        ['dunning-letter', 1, '2026-05-01'],
      ],
    )
    const doraAfter = await claim(t, dora.id)
    assert.deepEqual([doraAfter.status, doraAfter.dunningLetters], ['paid', 1])
    assert.deepEqual(
      (await libraryCharges(t, 'dora', 'dunning-fee')).map((c) => [c.amount, c.status]),
      [[25000, 'paid']],
    )
    assert.equal(await t.handle.db.selectFrom('transfers').select('id').executeTakeFirst(), undefined)
  })
})

describe('a civil-law claim: a lost item’s replacement', () => {
  it('gets at most 3 dunning letters of 100 kr, each after the previous one’s deadline, and no interest', async () => {
    const t = await openScenario(KK, '2026-03-02')
    await patronWithBook(t, KK, 'erik', '2026-03-02')
    // Due 30 March; declared lost 31 days later, on 30 April.
    await days(t, KK, '2026-04-29', '2026-07-10')

    const [publicClaim, civilClaim] = await claimsOf(t, 'erik')
    assert.ok(publicClaim && civilClaim)
    assert.deepEqual(
      [publicClaim.legalKind, publicClaim.claimDate, (await linesOf(t, publicClaim.id))[0]?.amount],
      ['public', '2026-04-30', 23000],
    )
    assert.deepEqual(
      [civilClaim.legalKind, civilClaim.claimDate, civilClaim.title],
      ['civil', '2026-04-30', 'Erstatning for bortkommet materiale'],
    )
    const civilLines = await linesOf(t, civilClaim.id)
    assert.deepEqual(
      civilLines.map((l) => [l.kind, l.amount]),
      [
        ['replacement', 25500],
        ['processing-fee', 9000],
        ['dunning-fee', 10000],
        ['dunning-fee', 10000],
        ['dunning-fee', 10000],
      ],
    )
    // Claimed 30 April: deadline 30 Apr + 1 + 14 = 15 May.
    //   letter 1: 15 May + 7 = 22 May, deadline 1 June
    //   letter 2: max(22 May + 10, 1 June + 1) = 2 June, deadline 12 June
    //   letter 3: max(2 June + 10, 12 June + 1) = 13 June, deadline 23 June
    //   notice: 23 June + 1 = 24 June, deadline 23 June + 10 = 3 July; transfer: 3 July + 1 = 4 July
    const bills = await billsOf(t, civilClaim.id)
    assert.deepEqual(bills, [
      ['bill', 0, '2026-05-01', 'digital-post', 34500, 0, '2026-05-15'],
      ['dunning-letter', 1, '2026-05-22', 'digital-post', 44500, 10000, '2026-06-01'],
      ['dunning-letter', 2, '2026-06-02', 'digital-post', 54500, 10000, '2026-06-12'],
      ['dunning-letter', 3, '2026-06-13', 'digital-post', 64500, 10000, '2026-06-23'],
      ['transfer-notice', 0, '2026-06-24', 'digital-post', 64500, 0, '2026-07-03'],
    ])
    // Each letter at least 10 days after the previous one, and only after the previous one's deadline.
    const letters = bills.filter((b) => b[0] === 'dunning-letter')
    for (let i = 1; i < letters.length; i++) {
      assert.ok(daysBetween(letters[i - 1]?.[2] as string, letters[i]?.[2] as string) >= 10)
      assert.ok((letters[i]?.[2] as string) > (letters[i - 1]?.[6] as string))
    }
    const after = await claim(t, civilClaim.id)
    assert.deepEqual(
      [after.dunningLetters, after.status, after.transferredOn],
      [3, 'transferred', '2026-07-04'],
    )
    // The public claim of the same loan has its own ladder: 250 kr letters and interest.
    const publicLetters = (await billsOf(t, publicClaim.id)).filter((b) => b[0] === 'dunning-letter')
    assert.deepEqual(
      publicLetters.map((b) => b[5]),
      [25000, 25000, 25000],
    )
    assert.ok((await linesOf(t, publicClaim.id)).some((l) => l.kind === 'interest'))
    // The civil claim's fees are library charges too: three of 100 kr.
    assert.deepEqual(
      (await libraryCharges(t, 'erik', 'dunning-fee')).map((c) => c.amount).sort(),
      [10000, 10000, 10000, 25000, 25000, 25000],
    )
  })
})

describe('Køge: claims from the municipality’s other issuers', () => {
  const KOGE = 'koge'
  const postClaim = (
    t: TestContext,
    issuer: string,
    cpr: string,
    legalKind: 'public' | 'civil',
    amount: number,
  ) =>
    t.tx((trx) =>
      t.services.receivables.postClaim(trx, {
        municipality: KOGE,
        issuer,
        debtor: { cpr, name: `Borger ${cpr}` },
        legalKind,
        title: `Opkrævning fra ${issuer}`,
        lines: [{ text: `${issuer} 1. rate`, amount }],
        at: instantOfLocal('2026-03-02', '11:00'),
      }),
    )

  it('dunns property tax with 250, 250 and 450 kr, and a daycare claim with 250 kr letters', async () => {
    const t = await openScenario(KOGE, '2026-03-02')
    const property = await postClaim(t, 'ejendomsskat', '0101701234', 'public', 850000)
    const daycare = await postClaim(t, 'daginstitution', '0202801234', 'public', 310000)
    assert.deepEqual([property.status, property.deadline], ['open', '2026-03-17'])
    await days(t, KOGE, '2026-03-03', '2026-05-06')

    // Posted 2 March: deadline 2 Mar + 1 + 14 = 17 March.
    //   letter 1: 17 Mar + 7 = 24 March, deadline 3 April
    //   letter 2: max(24 Mar + 10, 3 Apr + 1) = 4 April, deadline 14 April
    //   letter 3: max(4 Apr + 10, 14 Apr + 1) = 15 April, deadline 25 April
    //   notice: 25 Apr + 1 = 26 April, deadline 25 Apr + 10 = 5 May; transfer: 5 May + 1 = 6 May
    assert.deepEqual(await billsOf(t, property.id), [
      ['bill', 0, '2026-03-03', 'digital-post', 850000, 0, '2026-03-17'],
      ['dunning-letter', 1, '2026-03-24', 'digital-post', 875000, 25000, '2026-04-03'],
      ['dunning-letter', 2, '2026-04-04', 'digital-post', 900000, 25000, '2026-04-14'],
      ['dunning-letter', 3, '2026-04-15', 'digital-post', 945000, 45000, '2026-04-25'],
      ['transfer-notice', 0, '2026-04-26', 'digital-post', 945000, 0, '2026-05-05'],
    ])
    const after = await claim(t, property.id)
    assert.deepEqual([after.status, after.transferredOn, after.amount], ['transferred', '2026-05-06', 945000])
    // Not a library claim: the fees are lines of the claim only, not library charges; Køge sets no interest.
    const lines = await linesOf(t, property.id)
    assert.deepEqual(
      lines.map((l) => [l.kind, l.chargeId, l.amount]),
      [
        ['other', null, 850000],
        ['dunning-fee', null, 25000],
        ['dunning-fee', null, 25000],
        ['dunning-fee', null, 45000],
      ],
    )
    assert.equal(await t.handle.db.selectFrom('charges').select('id').executeTakeFirst(), undefined)

    assert.deepEqual(
      (await billsOf(t, daycare.id)).filter((b) => b[0] === 'dunning-letter').map((b) => b[5]),
      [25000, 25000, 25000],
    )
  })

  it('does not hand a claim to Gældsstyrelsen when it is paid on the last day the written notice gave', async () => {
    const t = await openScenario(KOGE, '2026-03-02')
    const daycare = await postClaim(t, 'daginstitution', '0404801234', 'public', 310000)
    let noticeDeadline: string | undefined
    // The same dates as the property tax above: the notice on 26 April gives 5 May as the last day to pay;
    // unpaid, the claim would go over on 6 May, so the run goes on past that day.
    await days(t, KOGE, '2026-03-03', '2026-05-10', async (date) => {
      const notice = await t.handle.db
        .selectFrom('bills')
        .select('deadline')
        .where('claimId', '=', daycare.id)
        .where('kind', '=', 'transfer-notice')
        .executeTakeFirst()
      if (notice && date === notice.deadline) {
        noticeDeadline = date
        const owed = await claim(t, daycare.id)
        await pay(t, KOGE, daycare.paymentId, owed.amount - owed.paid, 'bank', date)
      }
    })
    assert.equal(noticeDeadline, '2026-05-05')
    assert.deepEqual(await t.handle.db.selectFrom('transfers').select('id').execute(), [])
    assert.equal((await claim(t, daycare.id)).status, 'paid')
  })

  it('gives a civil claim at most 100 kr per letter even from an issuer on the property ladder', async () => {
    const t = await openScenario(KOGE, '2026-03-02')
    const civil = await postClaim(t, 'renovation', '0303701234', 'civil', 120000)
    await days(t, KOGE, '2026-03-03', '2026-04-15')
    // Deadline 17 March; the civil ladder: letters on 24 March, 4 April (max(24 Mar + 10, 3 Apr + 1)) and
    // 15 April (max(4 Apr + 10, 14 Apr + 1)), 100 kr each where the property ladder would take 250/250/450.
    const letters = (await billsOf(t, civil.id)).filter((b) => b[0] === 'dunning-letter')
    assert.deepEqual(
      letters.map((b) => [b[2], b[4], b[5]]),
      [
        ['2026-03-24', 130000, 10000],
        ['2026-04-04', 140000, 10000],
        ['2026-04-15', 150000, 10000],
      ],
    )
  })
})

describe('billing paused for civil-law claims', () => {
  it('holds a lost item’s replacement without bill or letters while the fee is billed; resuming releases it', async () => {
    const t = await openScenario(KK, '2026-03-02')
    await t.tx((trx) =>
      t.services.receivables.pauseBilling(trx, {
        municipality: KK,
        legalKind: 'civil',
        reason: 'Regninger for erstatning sat i bero',
        at: instantOfLocal('2026-03-02', '09:30'),
      }),
    )
    await patronWithBook(t, KK, 'frida', '2026-03-02')
    await days(t, KK, '2026-04-29', '2026-06-15')

    const [fee, replacement] = await claimsOf(t, 'frida')
    assert.ok(fee && replacement)
    assert.equal(fee.legalKind, 'public')
    assert.deepEqual(
      [
        replacement.legalKind,
        replacement.status,
        replacement.holdReason,
        replacement.deadline,
        replacement.amount,
      ],
      ['civil', 'held', 'paused', null, 34500],
    )
    // Six weeks later: nothing sent for the held claim, no fees added.
    assert.deepEqual(await billsOf(t, replacement.id), [])
    assert.equal(replacement.dunningLetters, 0)
    assert.equal((await linesOf(t, replacement.id)).length, 2)
    // The fee of the same loan is billed and dunned as usual: deadline 15 May, letters on 15 May + 7 = 22 May,
    // max(22 May + 10, 1 June + 1) = 2 June and max(2 June + 10, 12 June + 1) = 13 June.
    assert.deepEqual(
      (await billsOf(t, fee.id)).map((b) => [b[0], b[2]]),
      [
        ['bill', '2026-05-01'],
        ['dunning-letter', '2026-05-22'],
        ['dunning-letter', '2026-06-02'],
        ['dunning-letter', '2026-06-13'],
      ],
    )

    const released = await t.tx((trx) =>
      t.services.receivables.resumeBilling(trx, {
        municipality: KK,
        legalKind: 'civil',
        at: instantOfLocal('2026-06-15', '12:00'),
      }),
    )
    assert.equal(released, 1)
    const releasedClaim = await claim(t, replacement.id)
    assert.deepEqual(
      [releasedClaim.status, releasedClaim.holdReason, releasedClaim.deadline],
      ['open', null, '2026-06-30'],
    )

    const sent: Record<string, number> = {}
    await days(t, KK, '2026-06-16', '2026-07-08', async (date) => {
      sent[date] = (await billsOf(t, replacement.id)).length
    })
    // Billed the next morning with the fresh deadline (15 June + 1 + 14 = 30 June); the first letter only 7 days
    // after that deadline (7 July), the second not before 17 July + 1, after this run.
    assert.deepEqual(await billsOf(t, replacement.id), [
      ['bill', 0, '2026-06-16', 'digital-post', 34500, 0, '2026-06-30'],
      ['dunning-letter', 1, '2026-07-07', 'digital-post', 44500, 10000, '2026-07-17'],
    ])
    assert.equal(sent['2026-07-06'], 1)
  })

  it('does not send the bill of a claim made before the pause that was still waiting for its bill', async () => {
    const t = await openScenario(KK, '2026-03-02')
    await patronWithBook(t, KK, 'gert', '2026-03-02')
    // Lost (and claimed) in the night of 30 April; billing of civil claims is paused that morning.
    await days(t, KK, '2026-04-29', '2026-04-30')
    await t.tx((trx) =>
      t.services.receivables.pauseBilling(trx, {
        municipality: KK,
        legalKind: 'civil',
        reason: 'Regninger for erstatning sat i bero',
        at: instantOfLocal('2026-04-30', '09:00'),
      }),
    )
    await days(t, KK, '2026-05-01', '2026-05-03')
    const civil = (await claimsOf(t, 'gert')).find((c) => c.legalKind === 'civil')
    assert.ok(civil)
    assert.deepEqual(await billsOf(t, civil.id), [])
    // Held by the bills step of 1 May like a claim made during the pause: no deadline to miss, no letters.
    assert.deepEqual(
      [civil.status, civil.holdReason, civil.deadline, civil.dunningLetters],
      ['held', 'paused', null, 0],
    )
  })
})

describe('Gentofte: balances from before 15 August 2022', () => {
  const G = 'gentofte'

  it('are held as legacy claims without bills or dunning, and can only be paid with MobilePay', async () => {
    const t = await openScenario(G, '2022-06-01')
    // 11 days late before the switch (60 kr); 3 days late after it (20 kr).
    await patronWithBook(t, G, 'gerda', '2022-06-01', { barcode: 'gerda-1' })
    await patronWithBook(t, G, 'gerda', '2022-07-25', { barcode: 'gerda-2' })
    await days(t, G, '2022-07-09', '2022-10-20', async (date) => {
      if (date === '2022-07-10') await giveBack(t, G, 'gerda-1', date)
      if (date === '2022-08-25') await giveBack(t, G, 'gerda-2', date)
    })

    const [legacy, current] = await claimsOf(t, 'gerda')
    assert.ok(legacy && current)
    assert.deepEqual(
      [
        legacy.claimDate,
        legacy.amount,
        legacy.status,
        legacy.holdReason,
        legacy.deadline,
        legacy.dunningLetters,
      ],
      ['2022-07-10', 6000, 'held', 'legacy', null, 0],
    )
    assert.deepEqual(await billsOf(t, legacy.id), [])
    assert.equal((await linesOf(t, legacy.id)).length, 1)
    // A balance from after the switch is billed and dunned as any claim: claimed 25 August, deadline
    // 25 Aug + 1 + 14 = 9 September; letters on 9 Sep + 7 = 16 Sep, max(16 Sep + 10, 26 Sep + 1) = 27 Sep and
    // max(27 Sep + 10, 7 Oct + 1) = 8 Oct; the notice on 18 Oct + 1 = 19 Oct giving 18 Oct + 10 = 28 Oct.
    assert.deepEqual(
      (await billsOf(t, current.id)).map((b) => [b[0], b[2], b[6]]),
      [
        ['bill', '2022-08-26', '2022-09-09'],
        ['dunning-letter', '2022-09-16', '2022-09-26'],
        ['dunning-letter', '2022-09-27', '2022-10-07'],
        ['dunning-letter', '2022-10-08', '2022-10-18'],
        ['transfer-notice', '2022-10-19', '2022-10-28'],
      ],
    )

    const receipts = async () => (await t.handle.db.selectFrom('receipts').select('id').execute()).length
    await assert.rejects(
      pay(t, G, legacy.paymentId, 6000, 'mbo-card', '2022-10-20'),
      (error) => error instanceof ReceivablesRefusal && error.code === 'legacy-mobilepay-only',
    )
    assert.equal(await receipts(), 0)
    assert.equal((await claim(t, legacy.id)).paid, 0)

    const outcome = await pay(t, G, legacy.paymentId, 6000, 'mobilepay', '2022-10-20')
    assert.deepEqual([outcome.status, outcome.applied, outcome.credit], ['applied', 6000, 0])
    const paid = await claim(t, legacy.id)
    assert.deepEqual([paid.status, paid.paid], ['paid', 6000])
    assert.deepEqual(
      (await libraryCharges(t, 'gerda', 'overdue-fee')).map((c) => [c.chargeDate, c.status]),
      [
        ['2022-07-10', 'paid'],
        ['2022-08-25', 'open'],
      ],
    )
  })
})

describe('overpayments', () => {
  it('are paid out to NemKonto 3 bank days later, over a weekend and over Easter, by that day’s nightly', async () => {
    const t = await openScenario(KK, '2026-01-20')
    // Due 17 Feb, back 3 March: 120 kr. Due 20 March, back 25 March: 20 kr.
    await patronWithBook(t, KK, 'hans', '2026-01-20')
    await patronWithBook(t, KK, 'ida', '2026-02-20')
    const status: Record<string, string[]> = {}
    await days(t, KK, '2026-03-03', '2026-04-10', async (date) => {
      if (date === '2026-03-03') await giveBack(t, KK, 'hans-bog', date)
      if (date === '2026-03-25') await giveBack(t, KK, 'ida-bog', date)
      // Friday 6 March: 200 kr for a 120 kr bill.
      if (date === '2026-03-06') {
        const hans = await onlyClaimOf(t, 'hans')
        const outcome = await pay(t, KK, hans.paymentId, 20000, 'mbo-card', date)
        assert.deepEqual([outcome.applied, outcome.credit], [12000, 8000])
        assert.equal(await creditOf(t, 'hans'), 8000)
      }
      // Wednesday 1 April, before Maundy Thursday: 100 kr for a 20 kr bill.
      if (date === '2026-04-01') {
        const ida = await onlyClaimOf(t, 'ida')
        await pay(t, KK, ida.paymentId, 10000, 'mobilepay', date)
      }
      status[date] = [
        ...(await payoutsOf(t, 'hans')).map((p) => `hans:${p.status}`),
        ...(await payoutsOf(t, 'ida')).map((p) => `ida:${p.status}`),
      ]
    })

    assert.deepEqual(await payoutsOf(t, 'hans'), [
      {
        amount: 8000,
        createdOn: '2026-03-06',
        dueOn: '2026-03-11',
        status: 'paid-out',
        paidOutOn: '2026-03-11',
      },
    ])
    assert.deepEqual(status['2026-03-10'], ['hans:pending'])
    assert.deepEqual(status['2026-03-11'], ['hans:paid-out'])
    // Maundy Thursday, Good Friday, the weekend and Easter Monday are no bank days.
    assert.deepEqual(await payoutsOf(t, 'ida'), [
      {
        amount: 8000,
        createdOn: '2026-04-01',
        dueOn: '2026-04-09',
        status: 'paid-out',
        paidOutOn: '2026-04-09',
      },
    ])
    assert.deepEqual(status['2026-04-08'], ['hans:paid-out', 'ida:pending'])
    assert.deepEqual(status['2026-04-09'], ['hans:paid-out', 'ida:paid-out'])
    assert.equal(await creditOf(t, 'hans'), 0)
    assert.equal(await creditOf(t, 'ida'), 0)
    const paidOut = await t.handle.db
      .selectFrom('ledgerEntries')
      .select(['amount', 'businessDate'])
      .where('credit', '=', 'bank:nemkonto-payouts')
      .orderBy('id')
      .execute()
    assert.deepEqual(
      paidOut.map((e) => [e.businessDate, e.amount]),
      [
        ['2026-03-11', 8000],
        ['2026-04-09', 8000],
      ],
    )
  })

  it('are spent first on a new claim that arrives before the payout: the payout is smaller, or spent', async () => {
    const t = await openScenario(KK, '2026-01-20')
    // jens: 120 kr, then a 20 kr fee; karen: 120 kr, then another 120 kr.
    await patronWithBook(t, KK, 'jens', '2026-01-20', { barcode: 'jens-1' })
    await patronWithBook(t, KK, 'jens', '2026-02-08', { barcode: 'jens-2' })
    await patronWithBook(t, KK, 'karen', '2026-01-20', { barcode: 'karen-1' })
    await patronWithBook(t, KK, 'karen', '2026-01-25', { barcode: 'karen-2' })
    await days(t, KK, '2026-03-03', '2026-03-16', async (date) => {
      if (date === '2026-03-03') {
        await giveBack(t, KK, 'jens-1', date)
        await giveBack(t, KK, 'karen-1', date)
      }
      // Monday 9 March: 200 kr for each 120 kr bill; the payouts fall due on Thursday 12 March.
      if (date === '2026-03-09') {
        for (const card of ['jens', 'karen']) {
          const first = await onlyClaimOf(t, card)
          await pay(t, KK, first.paymentId, 20000, 'mbo-card', date)
        }
      }
      if (date === '2026-03-10') {
        await giveBack(t, KK, 'jens-2', date) // 2 days late: 20 kr
        await giveBack(t, KK, 'karen-2', date) // 16 days late: 120 kr
        assert.equal(await creditOf(t, 'jens'), 6000)
        assert.equal(await creditOf(t, 'karen'), 0)
      }
    })

    const [, jensSecond] = await claimsOf(t, 'jens')
    assert.ok(jensSecond)
    assert.deepEqual([jensSecond.amount, jensSecond.paid, jensSecond.status], [2000, 2000, 'paid'])
    assert.deepEqual(await billsOf(t, jensSecond.id), [], 'a claim paid from credit gets no bill')
    assert.deepEqual(await payoutsOf(t, 'jens'), [
      {
        amount: 6000,
        createdOn: '2026-03-09',
        dueOn: '2026-03-12',
        status: 'paid-out',
        paidOutOn: '2026-03-12',
      },
    ])
    assert.equal(await creditOf(t, 'jens'), 0)

    const [, karenSecond] = await claimsOf(t, 'karen')
    assert.ok(karenSecond)
    assert.deepEqual([karenSecond.amount, karenSecond.paid, karenSecond.status], [12000, 8000, 'open'])
    assert.deepEqual(
      (await billsOf(t, karenSecond.id)).map((b) => [b[0], b[2], b[4]]),
      [['bill', '2026-03-11', 4000]],
    )
    assert.deepEqual(
      (await payoutsOf(t, 'karen')).map((p) => [p.status, p.paidOutOn]),
      [['spent', null]],
    )
    assert.equal(await creditOf(t, 'karen'), 0)
  })
})

describe('the nightly run twice for the same date', () => {
  /** Everything the receivables' night can write, row by row. */
  async function receivablesState(t: TestContext) {
    const db = t.handle.db
    return {
      claims: await db.selectFrom('claims').selectAll().orderBy('id').execute(),
      claimLines: await db.selectFrom('claimLines').selectAll().orderBy('id').execute(),
      bills: await db.selectFrom('bills').selectAll().orderBy('id').execute(),
      payouts: await db.selectFrom('payouts').selectAll().orderBy('id').execute(),
      transfers: await db.selectFrom('transfers').selectAll().orderBy('id').execute(),
      receipts: await db.selectFrom('receipts').selectAll().orderBy('id').execute(),
      allocations: await db.selectFrom('receiptAllocations').selectAll().orderBy('id').execute(),
      ledger: await db.selectFrom('ledgerEntries').selectAll().orderBy('id').execute(),
      charges: await db.selectFrom('charges').selectAll().orderBy('id').execute(),
      debtors: await db.selectFrom('debtors').selectAll().orderBy('id').execute(),
    }
  }

  it('creates no second bill, letter, interest line, notice, transfer or payout', async () => {
    const t = await openScenario(KK, '2026-03-02')
    await patronWithBook(t, KK, 'lars', '2026-03-02') // 120 kr on 9 April, never paid
    await patronWithBook(t, KK, 'mona', '2026-03-02') // lost on 30 April
    await patronWithBook(t, KK, 'nils', '2026-03-02') // 120 kr on 9 April, overpaid on 13 April
    const totals = {
      bills: 0,
      dunningLetters: 0,
      interestLines: 0,
      transferNotices: 0,
      transfers: 0,
      payouts: 0,
    }
    // To 24 June: the day of Mona's notices (her third letters' deadline 23 June + 1).
    for (let date = '2026-04-09'; date <= '2026-06-24'; date = addDays(date, 1)) {
      await nightly(t, KK, date)
      const first = await receivablesState(t)
      await t.handle.db.deleteFrom('jobRuns').execute()
      const again = await nightly(t, KK, date)
      assert.equal(again.alreadyCompleted, false)
      assert.deepEqual(
        again.billing && [
          again.billing.claimsCreated,
          again.billing.bills,
          again.billing.interestLines,
          again.billing.dunningLetters,
          again.billing.transferNotices,
          again.billing.transfers,
          again.billing.payouts,
        ],
        [0, 0, 0, 0, 0, 0, 0],
        date,
      )
      assert.equal(again.declaredLost, 0, date)
      assert.deepEqual(await receivablesState(t), first, `the second run of ${date} changed something`)
      const firstRun = await t.handle.db
        .selectFrom('bills')
        .select(['kind'])
        .where('sentOn', '=', date)
        .execute()
      totals.bills += firstRun.filter((b) => b.kind === 'bill').length
      totals.dunningLetters += firstRun.filter((b) => b.kind === 'dunning-letter').length
      totals.transferNotices += firstRun.filter((b) => b.kind === 'transfer-notice').length

      t.clock.set(instantOfLocal(date, '12:00'))
      if (date === '2026-04-09') {
        await giveBack(t, KK, 'lars-bog', date)
        await giveBack(t, KK, 'nils-bog', date)
      }
      if (date === '2026-04-13') {
        const nils = await onlyClaimOf(t, 'nils')
        await pay(t, KK, nils.paymentId, 15000, 'bank', date)
      }
    }
    totals.interestLines = (
      await t.handle.db.selectFrom('claimLines').select('id').where('kind', '=', 'interest').execute()
    ).length
    totals.transfers = (await t.handle.db.selectFrom('transfers').select('id').execute()).length
    totals.payouts = (
      await t.handle.db.selectFrom('payouts').select('id').where('status', '=', 'paid-out').execute()
    ).length
    // Lars: the bill, 3 letters (1, 12, 23 May), the notice (3 June), the transfer (13 June) and 2 months'
    // interest (25 April, 25 May); Mona: a bill, 3 letters (22 May, 2 and 13 June) and a notice (24 June) for
    // each of her 2 claims, 2 months' interest on the public one (16 May, 16 June); Nils: a bill and a payout.
    assert.deepEqual(totals, {
      bills: 4,
      dunningLetters: 9,
      interestLines: 4,
      transferNotices: 3,
      transfers: 1,
      payouts: 1,
    })
  })
})
