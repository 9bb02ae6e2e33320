import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import fc from 'fast-check'
import { runCheckin, runCheckout } from '../circulation/circulation-edge.ts'
import { findPatronByCardOrCpr } from '../patrons/patron-repository.ts'
import { registerPatron } from '../patrons/patron-service.ts'
import { addDays, instantOfLocal, localDateOf } from '../shared/time.ts'
import { addSip2Account } from '../sip2/sip2-accounts.ts'
import { policyOf } from '../test-support/policies.ts'
import { openTestServices, type TestContext } from '../test-support/test-services.ts'
import { retentionCutoffs } from './retention-rules.ts'

const m = 'kobenhavn'
const opened: TestContext[] = []
after(async () => {
  for (const t of opened) await t.close()
})

async function nightly(t: TestContext, date: string, municipality = m) {
  t.clock.set(instantOfLocal(date, '02:00'))
  return t.services.jobs.nightly(municipality, date)
}

/** The night again, past its completion record, as a crashed or repeated run would. */
async function forcedRerun(t: TestContext, date: string, municipality = m) {
  await t.handle.db.deleteFrom('jobRuns').where('municipality', '=', municipality).execute()
  return nightly(t, date, municipality)
}

async function borrow(t: TestContext, patron: string, item: string, out: string, back: string) {
  await t.item({ barcode: item, title: `Titel ${item}`, materialType: 'book' })
  t.at(out)
  await runCheckout(t.handle.db, t.services.circulation, { municipality: m, patron, item })
  t.at(back)
  await runCheckin(t.handle.db, t.services.circulation, { municipality: m, item })
}

async function linkOf(t: TestContext, barcode: string) {
  const row = await t.handle.db
    .selectFrom('loans')
    .innerJoin('items', 'items.id', 'loans.itemId')
    .select(['loans.patronId', 'loans.status'])
    .where('items.barcode', '=', barcode)
    .executeTakeFirstOrThrow()
  return row.patronId
}

/** Every row the retention touches, to compare a rerun with. */
async function snapshot(t: TestContext) {
  const db = t.handle.db
  return {
    patrons: await db.selectFrom('patrons').selectAll().orderBy('id').execute(),
    loans: await db.selectFrom('loans').selectAll().orderBy('id').execute(),
    debtors: await db.selectFrom('debtors').selectAll().orderBy('id').execute(),
    lookups: await db.selectFrom('staffLookups').selectAll().orderBy('id').execute(),
    charges: await db.selectFrom('charges').selectAll().orderBy('id').execute(),
    claims: await db.selectFrom('claims').selectAll().orderBy('id').execute(),
  }
}

describe('the retention rules', () => {
  it('count whole Copenhagen days: a return on day D is linked through the night of D+28', () => {
    const policy = policyOf('kobenhavn')
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('2024-01-01T00:00:00Z'),
          max: new Date('2030-12-31T00:00:00Z'),
          noInvalidDate: true,
        }),
        (returnedAt) => {
          const day = localDateOf(returnedAt)
          const at28 = retentionCutoffs(policy, addDays(day, 28))
          const at29 = retentionCutoffs(policy, addDays(day, 29))
          return !(returnedAt < at28.loanLinkBefore) && returnedAt < at29.loanLinkBefore
        },
      ),
    )
  })
})

describe('the nightly retention', () => {
  it("removes a returned loan's patron after 28 days, across the October change of time", async () => {
    const t = await openTestServices(m, '2026-09-01T10:00:00+02:00')
    opened.push(t)
    const patron = await t.patron({ cardNumber: 'L1', birthDate: '1980-01-01' })
    // Returned on 1 October just after midnight and just before the next; 25 October lies in between.
    await borrow(t, 'L1', 'early', '2026-09-20T10:00:00+02:00', '2026-10-01T00:05:00+02:00')
    await borrow(t, 'L1', 'late', '2026-09-21T10:00:00+02:00', '2026-10-01T23:55:00+02:00')
    await borrow(t, 'L1', 'next', '2026-09-22T10:00:00+02:00', '2026-10-02T00:05:00+02:00')

    const kept = await nightly(t, '2026-10-29')
    assert.equal(kept.retention?.loansUnlinked, 0)
    assert.deepEqual(
      [await linkOf(t, 'early'), await linkOf(t, 'late'), await linkOf(t, 'next')],
      [patron, patron, patron],
    )

    const unlinked = await nightly(t, '2026-10-30')
    assert.equal(unlinked.retention?.loansUnlinked, 2)
    assert.deepEqual(
      [await linkOf(t, 'early'), await linkOf(t, 'late'), await linkOf(t, 'next')],
      [null, null, patron],
    )
    // The loans stay (statistics count them), and the patron keeps the latest return for the 2-year rule.
    assert.equal((await t.handle.db.selectFrom('loans').select('id').execute()).length, 3)
    const row = await t.handle.db
      .selectFrom('patrons')
      .select('lastLoanAt')
      .where('id', '=', patron)
      .executeTakeFirstOrThrow()
    assert.deepEqual(row.lastLoanAt, new Date('2026-10-01T23:55:00+02:00'))

    const before = await snapshot(t)
    assert.equal((await forcedRerun(t, '2026-10-30')).retention?.loansUnlinked, 0)
    assert.deepEqual(await snapshot(t), before)
    assert.equal((await nightly(t, '2026-10-31')).retention?.loansUnlinked, 1)
  })

  it("deletes offline machine transactions with the loan link's period, only the municipality's own", async () => {
    const t = await openTestServices(m, '2026-09-01T10:00:00+02:00')
    opened.push(t)
    for (const [login, municipality] of [
      ['kk-automat', m],
      ['gentofte-automat', 'gentofte'],
    ] as const) {
      await addSip2Account(t.handle.db, {
        login,
        password: 'hemmelig',
        municipality,
        location: 'Hovedbiblioteket',
      })
      for (const recordedAt of ['2026-09-01T10:00:00+02:00', '2026-09-02T10:00:00+02:00']) {
        await t.handle.db
          .insertInto('sip2OfflineTransactions')
          .values({
            login,
            command: '11',
            item: recordedAt,
            patron: t.services.cprVault.identifierHash('L1'),
            transactionAt: new Date(recordedAt),
            response: '121NNY20260901    100000AA{patron}|',
            recordedAt: new Date(recordedAt),
          })
          .execute()
      }
    }
    const remaining = async () =>
      (
        await t.handle.db
          .selectFrom('sip2OfflineTransactions')
          .select(['login', 'item'])
          .orderBy('item')
          .execute()
      ).map((r) => `${r.login} ${r.item.slice(0, 10)}`)
    // Recorded 1 September: kept through the night of 29 September, gone in the night of 30 September.
    assert.equal((await nightly(t, '2026-09-29')).retention?.offlineTransactionsDeleted, 0)
    assert.equal((await nightly(t, '2026-09-30')).retention?.offlineTransactionsDeleted, 1)
    assert.equal((await forcedRerun(t, '2026-09-30')).retention?.offlineTransactionsDeleted, 0)
    assert.deepEqual((await remaining()).sort(), [
      'gentofte-automat 2026-09-01',
      'gentofte-automat 2026-09-02',
      'kk-automat 2026-09-02',
    ])
  })

  it('deletes patrons without a loan for 2 years once nothing is open, and nothing else', async () => {
    const t = await openTestServices(m, '2024-02-01T10:00:00+01:00')
    opened.push(t)
    const db = t.handle.db
    const old = await t.patron({ cardNumber: 'OLD', cpr: '0101801234', name: 'Ole Gammel', email: 'o@x.dk' })
    const recent = await t.patron({ cardNumber: 'RECENT', name: 'Rita Ny', birthDate: '1980-01-01' })
    const debt = await t.patron({ cardNumber: 'DEBT', cpr: '0202801234', name: 'Dorte Gæld' })
    const never = await t.patron({ cardNumber: 'NEVER', name: 'Niels Aldrig', birthDate: '1980-01-01' })
    const parent = await t.patron({ cardNumber: 'PARENT', name: 'Pia Forælder', birthDate: '1980-01-01' })
    const child = await t.patron({
      cardNumber: 'CHILD',
      name: 'Carl',
      birthDate: '2016-01-01',
      guardian: 'PARENT',
    })
    const parent2 = await t.patron({ cardNumber: 'PARENT2', name: 'Per Forælder', birthDate: '1980-01-01' })
    const child2 = await t.patron({
      cardNumber: 'CHILD2',
      name: 'Cia',
      birthDate: '2016-01-01',
      guardian: 'PARENT2',
    })
    const elsewhere = await t.tx(
      async (trx) =>
        (
          await registerPatron(trx, t.services.cprVault, {
            municipality: 'gentofte',
            at: t.clock.now(),
            cardNumber: 'G1',
            name: 'Gitte Gentofte',
            birthDate: '1980-01-01',
          })
        ).id,
    )

    await borrow(t, 'OLD', 'o1', '2024-02-10T10:00:00+01:00', '2024-03-01T12:00:00+01:00')
    await borrow(t, 'RECENT', 'r1', '2024-02-10T10:00:00+01:00', '2024-03-03T12:00:00+01:00')
    // Returned 10 days late: an overdue fee, handed to the receivables as a claim.
    await borrow(t, 'DEBT', 'd1', '2024-01-20T10:00:00+01:00', '2024-03-01T12:00:00+01:00')
    await borrow(t, 'CHILD2', 'c2', '2026-01-10T10:00:00+01:00', '2026-02-01T12:00:00+01:00')
    const staff = await db
      .insertInto('staffAccounts')
      .values({ municipality: m, login: 's', name: 'Sara', passwordHash: 'x', roles: ['desk'] })
      .returning('id')
      .executeTakeFirstOrThrow()
    await db
      .insertInto('staffLookups')
      .values(
        [
          ['kobenhavn', '2025-03-01T23:30:00+01:00'],
          ['kobenhavn', '2025-03-02T00:30:00+01:00'],
          ['gentofte', '2025-01-01T12:00:00+01:00'],
        ].map(([municipality, at]) => ({
          municipality: municipality as string,
          staffId: staff.id,
          patronId: municipality === 'gentofte' ? elsewhere : old,
          reason: 'spørgsmål ved skranken',
          at: new Date(at as string),
        })),
      )
      .execute()
    await db
      .insertInto('webSessions')
      .values({
        tokenHash: 'h',
        municipality: m,
        patronId: old,
        staffId: null,
        createdAt: new Date('2026-03-01T12:00:00+01:00'),
        expiresAt: new Date('2026-03-09T12:00:00+01:00'),
        flash: null,
      })
      .execute()
    const debtCharges = await db.selectFrom('charges').selectAll().where('patronId', '=', debt).execute()
    assert.equal(debtCharges.length, 1)

    // 2 March 2026: 2 years back is 2 March 2024. OLD (1 March) and NEVER (registered 1 February) go, and
    // CHILD then PARENT; RECENT (3 March), DEBT (an open claim) and PARENT2 (CHILD2 borrowed) stay.
    const night = await nightly(t, '2026-03-02')
    assert.deepEqual(night.retention, {
      loansUnlinked: 4,
      patronsDeleted: 4,
      debtorsAnonymised: 0,
      lookupsDeleted: 1,
      offlineTransactionsDeleted: 0,
    })
    const deleted = async () =>
      (
        await db.selectFrom('patrons').select('id').where('deletedAt', 'is not', null).orderBy('id').execute()
      ).map((r) => r.id)
    assert.deepEqual(
      await deleted(),
      [old, never, parent, child].sort((a, b) => a - b),
    )
    const tomb = await db.selectFrom('patrons').selectAll().where('id', '=', old).executeTakeFirstOrThrow()
    assert.equal(tomb.name, '')
    assert.equal(tomb.cprHash, null)
    assert.equal(tomb.cprEncrypted, null)
    assert.equal(tomb.email, null)
    assert.match(tomb.cardNumber, /^deleted:[0-9a-f]{32}$/)
    const childRow = await db
      .selectFrom('patrons')
      .selectAll()
      .where('id', '=', child)
      .executeTakeFirstOrThrow()
    assert.equal(childRow.guardianId, null)
    assert.equal(await t.tx((trx) => findPatronByCardOrCpr(trx, t.services.cprVault, m, 'OLD')), undefined)
    assert.equal(
      await t.tx((trx) => findPatronByCardOrCpr(trx, t.services.cprVault, m, '0101801234')),
      undefined,
    )
    assert.equal((await db.selectFrom('webSessions').selectAll().execute()).length, 0)
    // The loan stays, without its patron.
    assert.equal(await linkOf(t, 'o1'), null)
    assert.deepEqual(
      (await db.selectFrom('staffLookups').select('at').orderBy('at').execute()).map((r) => r.at),
      [new Date('2025-03-02T00:30:00+01:00'), new Date('2025-01-01T12:00:00+01:00')].sort(
        (a, b) => a.getTime() - b.getTime(),
      ),
    )
    const kept = await db
      .selectFrom('patrons')
      .select(['id', 'name'])
      .where('deletedAt', 'is', null)
      .execute()
    assert.deepEqual(
      kept.map((p) => p.id).sort((a, b) => a - b),
      [recent, debt, parent2, child2, elsewhere].sort((a, b) => a - b),
    )

    // A second run of the night, past its completion record, changes nothing.
    const before = await snapshot(t)
    const again = await forcedRerun(t, '2026-03-02')
    assert.deepEqual(again.retention, {
      loansUnlinked: 0,
      patronsDeleted: 0,
      debtorsAnonymised: 0,
      lookupsDeleted: 0,
      offlineTransactionsDeleted: 0,
    })
    assert.deepEqual(await snapshot(t), before)

    // DEBT pays everything; the next night deletes DEBT and the receivables' copy of the name and CPR.
    const claims = await db
      .selectFrom('claims')
      .innerJoin('debtors', 'debtors.id', 'claims.debtorId')
      .select(['claims.amount', 'claims.paid', 'claims.status'])
      .where('debtors.patronId', '=', debt)
      .execute()
    const owed = claims.reduce((sum, c) => sum + c.amount - c.paid, 0)
    assert.ok(owed > 0)
    t.at('2026-03-02T13:00:00+01:00')
    await t.tx((trx) => t.services.fees.pay(trx, { municipality: m, patron: 'DEBT', amount: owed }))
    const paidNight = await nightly(t, '2026-03-03')
    assert.equal(paidNight.retention?.patronsDeleted, 1)
    const debtor = await db
      .selectFrom('debtors')
      .selectAll()
      .where('patronId', '=', debt)
      .executeTakeFirstOrThrow()
    assert.equal(debtor.cprHash, null)
    assert.equal(debtor.cprEncrypted, null)
    assert.equal(debtor.name, '')
    // Charges and claims keep their own reference to the (now nameless) patron and debtor.
    const chargesAfter = await db.selectFrom('charges').selectAll().where('patronId', '=', debt).execute()
    // (The night of 2 March billed the claim and added interest: more charges, all still the patron's.)
    for (const charge of debtCharges) {
      assert.deepEqual(
        chargesAfter.find((c) => c.id === charge.id),
        {
          ...charge,
          status: 'paid',
          paid: charge.amount,
          settledAt: chargesAfter.find((c) => c.id === charge.id)?.settledAt,
        },
      )
    }
    assert.ok(chargesAfter.every((c) => c.status === 'paid'))
    assert.equal(
      (await db.selectFrom('claims').select('id').where('debtorId', '=', debtor.id).execute()).length,
      claims.length,
    )

    // RECENT returned on 3 March 2024: kept through the night of 3 March 2026, deleted the next.
    assert.equal(
      (await db.selectFrom('patrons').selectAll().where('id', '=', recent).executeTakeFirstOrThrow())
        .deletedAt,
      null,
    )
    assert.equal((await nightly(t, '2026-03-04')).retention?.patronsDeleted, 1)
    assert.notEqual(
      (await db.selectFrom('patrons').selectAll().where('id', '=', recent).executeTakeFirstOrThrow())
        .deletedAt,
      null,
    )

    // Gentofte's patron and look-up are untouched by København's nights, and go with Gentofte's.
    const g = await db.selectFrom('patrons').selectAll().where('id', '=', elsewhere).executeTakeFirstOrThrow()
    assert.equal(g.name, 'Gitte Gentofte')
    const gentofteNight = await nightly(t, '2026-03-03', 'gentofte')
    assert.equal(gentofteNight.retention?.patronsDeleted, 1)
    assert.equal(gentofteNight.retention?.lookupsDeleted, 1)
  })
})
