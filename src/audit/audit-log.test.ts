import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { sql } from 'kysely'
import { annulCharge, writeDownCharge } from '../desk/charge-corrections.ts'
import { addStaffAccount } from '../desk/staff-accounts.ts'
import {
  activateDueExclusions,
  excludePatron,
  liftBlock,
  withdrawExclusion,
} from '../desk/staff-exclusions.ts'
import { recordLookup } from '../desk/staff-lookups.ts'
import { createApiKey } from '../http/api-keys.ts'
import { buildApp } from '../http/app.ts'
import { readPolicyFiles } from '../policy/policy-files.ts'
import { syncPolicies } from '../policy/policy-repository.ts'
import { openTestServices, type TestContext } from '../test-support/test-services.ts'
import { Browser } from '../web/test-browser.ts'
import type { AuditAction } from './audit-log.ts'

// Gentofte: 200 kr or more in fees blocks at once (001), so the fee rule's block and lift are seen too.
const M = 'gentofte'
const KEY = 'test-key'
let t: TestContext
let app: FastifyInstance
let anna: number
let bo: number
let finans: number
let disk: number

const db = () => t.services.db
const api = (method: 'POST' | 'GET', url: string, payload?: unknown) =>
  app.inject({ method, url, headers: { 'x-api-key': KEY }, ...(payload ? { payload } : {}) })

class Rollback extends Error {}

/** The entries of one action, each as who/what/whom/why. */
async function entries(action: AuditAction) {
  return db()
    .selectFrom('auditLog')
    .select([
      'municipality',
      'at',
      'actorKind',
      'actorId',
      'actorName',
      'patronId',
      'chargeId',
      'claimId',
      'blockId',
      'reason',
      'details',
    ])
    .where('action', '=', action)
    .orderBy('id')
    .execute()
}

async function count(): Promise<number> {
  const row = await db()
    .selectFrom('auditLog')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

async function openCharges(patronId: number) {
  return db()
    .selectFrom('charges')
    .selectAll()
    .where('patronId', '=', patronId)
    .where('status', '=', 'open')
    .orderBy('id')
    .execute()
}

before(async () => {
  t = await openTestServices(M, '2026-01-05T10:00:00+01:00')
  for (const [login, roles] of [
    ['disk', ['desk']],
    ['finans', ['finance']],
    ['chef', ['administrator']],
  ] as const) {
    await addStaffAccount(db(), {
      municipality: M,
      login,
      name: `${login} navn`,
      password: `${login}-hemmelig`,
      roles: [...roles],
    })
  }
  const staff = await db().selectFrom('staffAccounts').select(['id', 'login']).execute()
  finans = staff.find((s) => s.login === 'finans')?.id ?? 0
  disk = staff.find((s) => s.login === 'disk')?.id ?? 0
  anna = await t.patron({ cardNumber: 'anna', birthDate: '1990-03-01', name: 'Anna' })
  bo = await t.patron({ cardNumber: 'bo', birthDate: '1985-06-01', name: 'Bo' })
  for (const barcode of ['b1', 'b2', 'b3', 'b4', 'b5'])
    await t.item({ barcode, materialType: 'book', title: `Bog ${barcode}` })
  const { circulation } = t.services
  for (const item of ['b1', 'b2', 'b3', 'b4']) {
    await t.tx((trx) => circulation.checkout(trx, { municipality: M, patron: 'anna', item }))
  }
  // Due 2 February, back 12 February: 10 days late, 60 kr each (001); the fourth makes 240 kr, a block.
  t.at('2026-02-12T12:00:00+01:00')
  for (const item of ['b1', 'b2', 'b3', 'b4']) {
    await t.tx((trx) => circulation.checkin(trx, { municipality: M, item }))
  }
  app = await buildApp(t.services, { apiKey: KEY })
})

after(async () => {
  await app?.close()
  await t?.close()
})

describe('the audit log', () => {
  it('refuses UPDATE, DELETE and TRUNCATE, whoever asks', async () => {
    assert.ok((await count()) > 0)
    await assert.rejects(sql`update audit_log set reason = 'ændret'`.execute(db()), /append-only/)
    await assert.rejects(sql`delete from audit_log`.execute(db()), /append-only/)
    await assert.rejects(sql`truncate audit_log`.execute(db()), /append-only/)
    const changed = await db().selectFrom('auditLog').select('id').where('reason', '=', 'ændret').execute()
    assert.equal(changed.length, 0)
  })

  it('records the policy versions installed at start as the system, and a new version as the operator', async () => {
    const installed = await entries('policy-installed')
    assert.ok(installed.some((e) => e.municipality === M && e.actorKind === 'system'))
    const before = installed.length
    const [file] = readPolicyFiles().filter((p) => p.municipality === M)
    assert.ok(file)
    const next = { ...file, version: file.version + 100, effectiveFrom: '2027-01-01' }
    t.at('2026-02-12T12:30:00+01:00')
    const added = await syncPolicies(db(), [next], { kind: 'operator', name: 'drift' }, t.clock.now())
    assert.equal(added, 1)
    const after = await entries('policy-installed')
    assert.equal(after.length, before + 1)
    const entry = after.at(-1)
    assert.equal(entry?.actorKind, 'operator')
    assert.equal(entry?.actorName, 'drift')
    assert.deepEqual(entry?.details, { version: next.version, effectiveFrom: '2027-01-01' })
    assert.equal(await syncPolicies(db(), [next], { kind: 'operator', name: 'drift' }, t.clock.now()), 0)
    assert.equal((await entries('policy-installed')).length, before + 1, 'nothing new, nothing logged')
  })

  it("records the fee rule's block as the system, in the return's transaction", async () => {
    const blocks = await entries('fee-block')
    assert.equal(blocks.length, 1)
    const [entry] = blocks
    assert.equal(entry?.actorKind, 'system')
    assert.equal(entry?.patronId, anna)
    assert.equal(entry?.at.toISOString(), '2026-02-12T11:00:00.000Z')
    const block = await db()
      .selectFrom('blocks')
      .select(['id', 'reason'])
      .where('patronId', '=', anna)
      .executeTakeFirstOrThrow()
    assert.equal(entry?.blockId, block.id)
    assert.equal(block.reason, 'fees')
  })

  it('records a look-up with staff member, patron and reason, and none when it is rolled back', async () => {
    t.at('2026-02-13T09:00:00+01:00')
    const n = await count()
    await assert.rejects(
      t.tx(async (trx) => {
        await recordLookup(trx, {
          municipality: M,
          staffId: disk,
          patronId: bo,
          reason: 'Rulles tilbage',
          at: t.clock.now(),
        })
        throw new Rollback()
      }),
      Rollback,
    )
    assert.equal(await count(), n)
    await t.tx((trx) =>
      recordLookup(trx, {
        municipality: M,
        staffId: disk,
        patronId: bo,
        reason: 'Bo ringede om sin reservation',
        at: t.clock.now(),
      }),
    )
    const found = await entries('patron-looked-up')
    assert.equal(found.length, 1)
    assert.equal(await count(), n + 1)
    const [entry] = found
    assert.equal(entry?.actorKind, 'staff')
    assert.equal(entry?.actorId, disk)
    assert.equal(entry?.actorName, 'disk')
    assert.equal(entry?.patronId, bo)
    assert.equal(entry?.reason, 'Bo ringede om sin reservation')
    assert.equal(entry?.at.toISOString(), '2026-02-13T08:00:00.000Z')
  })

  it('records an annulment and a write-down with the finance officer and the reason', async () => {
    const deps = { policies: t.services.policies, handOver: t.services.receivables.handOver }
    const [first, second] = await openCharges(anna)
    assert.ok(first && second)
    const n = await count()
    await assert.rejects(
      t.tx(async (trx) => {
        await annulCharge(deps, trx, {
          municipality: M,
          patronId: anna,
          chargeId: first.id,
          staffId: finans,
          reason: 'Fejl',
          at: t.clock.now(),
        })
        throw new Rollback()
      }),
      Rollback,
    )
    assert.equal(await count(), n)
    await t.tx((trx) =>
      annulCharge(deps, trx, {
        municipality: M,
        patronId: anna,
        chargeId: first.id,
        staffId: finans,
        reason: 'Materialet var afleveret i bogkassen',
        at: t.clock.now(),
      }),
    )
    await t.tx((trx) =>
      writeDownCharge(deps, trx, {
        municipality: M,
        patronId: anna,
        chargeId: second.id,
        staffId: finans,
        reason: 'Delvis eftergivelse',
        amount: 2_000,
        at: t.clock.now(),
      }),
    )
    const [annulled] = await entries('charge-annulled')
    assert.equal((await entries('charge-annulled')).length, 1)
    assert.equal(annulled?.actorName, 'finans')
    assert.equal(annulled?.chargeId, first.id)
    assert.equal(annulled?.patronId, anna)
    assert.equal(annulled?.reason, 'Materialet var afleveret i bogkassen')
    assert.equal((annulled?.details as { amount: number } | undefined)?.amount, 6_000)
    const written = await entries('charge-written-down')
    assert.equal(written.length, 1)
    assert.equal(written[0]?.chargeId, second.id)
    assert.equal(written[0]?.reason, 'Delvis eftergivelse')
    assert.ok(written[0]?.claimId, 'the claim written down is named')
    assert.equal((written[0]?.details as { amount: number } | undefined)?.amount, 2_000)
    // 240 − 60 − 20 = 160 kr: under 200, so the fee rule lifted the block in the same transaction.
    const lifted = await entries('fee-block-lifted')
    assert.equal(lifted.length, 1)
    assert.equal(lifted[0]?.actorKind, 'system')
    assert.equal(lifted[0]?.patronId, anna)
  })

  it('records an exclusion, its withdrawal, its taking effect and a block lifted', async () => {
    const at = t.clock.now()
    const first = await t.tx((trx) =>
      excludePatron(trx, { municipality: M, patronId: bo, staffId: disk, reason: 'Truende adfærd', at }),
    )
    assert.ok(first)
    await t.tx((trx) =>
      withdrawExclusion(trx, {
        exclusionId: first.id,
        patronId: bo,
        staffId: disk,
        reason: 'Aftalt med lederen',
        at,
      }),
    )
    const second = await t.tx((trx) =>
      excludePatron(trx, { municipality: M, patronId: bo, staffId: disk, reason: 'Igen truende', at }),
    )
    assert.ok(second)
    assert.equal(await activateDueExclusions(db(), M, second.effectiveOn), 1)
    const inForce = await entries('exclusion-in-force')
    assert.equal(inForce.length, 1)
    assert.equal(inForce[0]?.actorKind, 'system')
    assert.equal(await activateDueExclusions(db(), M, second.effectiveOn), 0)
    assert.equal((await entries('exclusion-in-force')).length, 1, 'once')
    const blockId = inForce[0]?.blockId ?? 0
    assert.equal(
      await t.tx((trx) =>
        liftBlock(trx, { municipality: M, blockId, patronId: bo, staffId: disk, reason: 'Undskyldt', at }),
      ),
      true,
    )
    const excluded = await entries('patron-excluded')
    assert.deepEqual(
      excluded.map((e) => [e.actorName, e.patronId, e.reason]),
      [
        ['disk', bo, 'Truende adfærd'],
        ['disk', bo, 'Igen truende'],
      ],
    )
    const withdrawn = await entries('exclusion-withdrawn')
    assert.deepEqual(
      withdrawn.map((e) => [e.actorName, e.patronId, e.reason]),
      [['disk', bo, 'Aftalt med lederen']],
    )
    const liftedBlocks = await entries('block-lifted')
    assert.deepEqual(
      liftedBlocks.map((e) => [e.actorName, e.patronId, e.blockId, e.reason]),
      [['disk', bo, blockId, 'Undskyldt']],
    )
  })

  it('records payments recorded through the staff API and an appeal decided, as the API key', async () => {
    const { key } = await createApiKey(
      db(),
      { name: 'borgerservice-kasse', role: 'desk', municipality: M },
      t.services.clock.now(),
    )
    const paid = await app.inject({
      method: 'POST',
      url: `/api/${M}/payments`,
      headers: { 'x-api-key': key },
      payload: { patron: 'anna', amount: 1_000, channel: 'borgerservice' },
    })
    assert.equal(paid.statusCode, 201, paid.body)
    const recorded = await entries('payment-recorded')
    assert.equal(recorded.length, 1)
    assert.equal(recorded[0]?.actorKind, 'api')
    assert.equal(recorded[0]?.actorName, 'borgerservice-kasse')
    assert.equal(recorded[0]?.patronId, anna)
    assert.equal((recorded[0]?.details as { amount: number } | undefined)?.amount, 1_000)
    assert.equal((recorded[0]?.details as { receipt: number } | undefined)?.receipt, paid.json().receiptId)

    const claim = await db()
      .selectFrom('claims')
      .innerJoin('debtors', 'debtors.id', 'claims.debtorId')
      .select(['claims.id', 'claims.paymentId'])
      .where('debtors.patronId', '=', anna)
      .where('claims.status', '=', 'open')
      .orderBy('claims.id')
      .executeTakeFirstOrThrow()
    const onClaim = await api('POST', `/api/${M}/receivables/claims/${claim.paymentId}/payments`, {
      amount: 500,
      channel: 'borgerservice',
    })
    assert.equal(onClaim.statusCode, 201, onClaim.body)
    const both = await entries('payment-recorded')
    assert.equal(both.length, 2)
    assert.equal(both[1]?.claimId, claim.id)
    assert.equal(both[1]?.patronId, anna)

    const filed = await api('POST', `/api/${M}/receivables/claims/${claim.paymentId}/appeals`, {
      text: 'Jeg afleverede bøgerne i tide',
    })
    assert.equal(filed.statusCode, 201, filed.body)
    const decided = await api('POST', `/api/${M}/receivables/claims/${claim.paymentId}/appeal-decision`, {
      outcome: 'rejected',
      decision: 'Afleveringen er registreret for sent',
    })
    assert.equal(decided.statusCode, 200, decided.body)
    const appeals = await entries('appeal-decided')
    assert.equal(appeals.length, 1)
    assert.equal(appeals[0]?.actorKind, 'api')
    assert.equal(appeals[0]?.claimId, claim.id)
    assert.equal(appeals[0]?.patronId, anna)
    assert.equal(appeals[0]?.reason, 'Afleveringen er registreret for sent')
    assert.equal((appeals[0]?.details as { outcome: string } | undefined)?.outcome, 'rejected')
  })

  it('shows the Revisionslog to an administrator only, filtered and newest first', async () => {
    const logIn = async (login: string) => {
      const browser = new Browser(app)
      const form = await browser.get(`/${M}/skranke/log-ind`)
      const response = await browser.post(
        `/${M}/skranke/log-ind`,
        { login, password: `${login}-hemmelig` },
        form,
      )
      assert.equal(response.statusCode, 303, response.body)
      return browser
    }
    for (const login of ['disk', 'finans']) {
      const refused = await (await logIn(login)).get(`/${M}/skranke/revisionslog`)
      assert.equal(refused.statusCode, 403, login)
      assert.doesNotMatch(refused.body, /Truende adfærd/)
    }
    const visitor = await new Browser(app).get(`/${M}/skranke/revisionslog`)
    assert.equal(visitor.statusCode, 303)

    const chef = await logIn('chef')
    const page = await chef.get(`/${M}/skranke/revisionslog`)
    assert.equal(page.statusCode, 200)
    assert.match(page.body, /<h1>Revisionslog<\/h1>/)
    assert.match(page.body, /Truende adfærd/)
    assert.match(page.body, /Materialet var afleveret i bogkassen/)
    assert.match(page.body, /medarbejder: finans/)
    assert.match(page.body, /href="\/gentofte\/skranke\/revisionslog"/, 'in the menu')
    // Newest first: the appeal decision (last) before the look-up.
    const table = page.body.slice(page.body.indexOf('<tbody>'))
    assert.ok(table.indexOf('Klage afgjort') < table.indexOf('Opslag i låner'), 'newest first')

    const onlyBo = await chef.get(`/${M}/skranke/revisionslog?laaner=bo`)
    assert.match(onlyBo.body, /Truende adfærd/)
    assert.doesNotMatch(onlyBo.body, /bogkassen/)
    const annulments = await chef.get(`/${M}/skranke/revisionslog?handling=charge-annulled`)
    assert.match(annulments.body, /bogkassen/)
    assert.doesNotMatch(annulments.body, /Truende/)
    const unknown = await chef.get(`/${M}/skranke/revisionslog?laaner=ingen-saadan`)
    assert.match(unknown.body, /Ingen låner med det nummer/)
  })

  it('pages 50 entries at a time', async () => {
    const browser = new Browser(app)
    const form = await browser.get(`/${M}/skranke/log-ind`)
    await browser.post(`/${M}/skranke/log-ind`, { login: 'chef', password: 'chef-hemmelig' }, form)
    for (let i = 0; i < 55; i++) {
      await t.tx((trx) =>
        recordLookup(trx, {
          municipality: M,
          staffId: disk,
          patronId: bo,
          reason: `opslag ${i}`,
          at: t.clock.now(),
        }),
      )
    }
    const first = await browser.get(`/${M}/skranke/revisionslog?handling=patron-looked-up`)
    assert.equal((first.body.match(/<tr><td data-label/g) ?? []).length, 50)
    assert.match(first.body, /rel="next"/)
    const second = await browser.get(`/${M}/skranke/revisionslog?handling=patron-looked-up&side=2`)
    assert.equal((second.body.match(/<tr><td data-label/g) ?? []).length, 6)
    assert.match(second.body, /rel="prev"/)
    assert.doesNotMatch(second.body, /rel="next"/)
  })
})
