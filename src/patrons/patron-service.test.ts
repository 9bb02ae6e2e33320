import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ValidationError } from '../shared/errors.ts'
import { openTestServices, type TestContext } from '../test-support/test-services.ts'
import { findPatronByCardOrCpr } from './patron-repository.ts'
import { registerPatron, verifyPin } from './patron-service.ts'

let t: TestContext
const AT = new Date('2026-03-02T10:00:00+01:00')
before(async () => {
  t = await openTestServices('naestved')
})
after(() => t.close())

function field(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'accepted',
    (error) => {
      if (error instanceof ValidationError) return error.field
      throw error
    },
  )
}

describe('registering patrons', () => {
  it('derives the birth date from a CPR number without a modulus-11 check digit and hashes the PIN with argon2', async () => {
    const patron = await t.tx((trx) =>
      registerPatron(trx, t.services.cprVault, {
        at: AT,
        municipality: 'naestved',
        cardNumber: 'k1',
        cpr: '010390-1234',
        pin: '4321',
      }),
    )
    assert.equal(patron.birthDate, '1990-03-01')
    assert.equal(t.services.cprVault.decrypt(patron.cprEncrypted ?? ''), '0103901234')
    assert.equal(patron.cprHash, t.services.cprVault.hash('0103901234'))
    assert.match(patron.pinHash ?? '', /^\$argon2id\$/)
    assert.equal(await verifyPin(patron, '4321'), true)
    assert.equal(await verifyPin(patron, '1234'), false)
  })

  it('never makes the CPR number the card number: a patron registered by CPR gets a card number of their own', async () => {
    for (const [cpr, cardNumber] of [
      ['020491-1234', undefined],
      ['030492-1234', '0304921234'],
      ['040493-1234', '040493-1234'],
    ] as const) {
      const patron = await t.tx((trx) =>
        registerPatron(trx, t.services.cprVault, {
          at: AT,
          municipality: 'naestved',
          cpr,
          ...(cardNumber === undefined ? {} : { cardNumber }),
        }),
      )
      assert.match(patron.cardNumber, /^9\d{11}$/)
      assert.ok(!patron.name.includes(cpr.slice(0, 6)), 'the CPR number as the name')
      const found = await findPatronByCardOrCpr(t.services.db, t.services.cprVault, 'naestved', cpr)
      assert.equal(found?.id, patron.id)
    }
  })

  it('refuses bad input naming the field', async () => {
    const m = 'naestved'
    assert.equal(
      await field(
        t.tx((trx) =>
          registerPatron(trx, t.services.cprVault, {
            at: AT,
            municipality: m,
            cardNumber: 'k1',
            birthDate: '1990-01-01',
          }),
        ),
      ),
      'cardNumber',
    )
    assert.equal(
      await field(
        t.tx((trx) =>
          registerPatron(trx, t.services.cprVault, { at: AT, municipality: m, cardNumber: 'k2' }),
        ),
      ),
      'birthDate',
    )
    assert.equal(
      await field(
        t.tx((trx) =>
          registerPatron(trx, t.services.cprVault, {
            at: AT,
            municipality: m,
            cardNumber: 'k2',
            cpr: '3102901234',
          }),
        ),
      ),
      'cpr',
    )
    assert.equal(
      await field(
        t.tx((trx) =>
          registerPatron(trx, t.services.cprVault, {
            at: AT,
            municipality: m,
            cardNumber: 'k2',
            birthDate: '1990-01-01',
            pin: '12',
          }),
        ),
      ),
      'pin',
    )
    assert.equal(
      await field(
        t.tx((trx) =>
          registerPatron(trx, t.services.cprVault, {
            at: AT,
            municipality: m,
            cardNumber: 'k2',
            cpr: '0103901234',
            birthDate: '1990-03-02',
          }),
        ),
      ),
      'birthDate',
    )
  })

  it('needs an adult guardian for a child', async () => {
    const m = 'naestved'
    const at = new Date('2026-03-02T10:00:00+01:00')
    await t.tx((trx) =>
      registerPatron(trx, t.services.cprVault, {
        municipality: m,
        cardNumber: 'teen',
        birthDate: '2010-01-01',
        at,
      }),
    )
    assert.equal(
      await field(
        t.tx((trx) =>
          registerPatron(trx, t.services.cprVault, {
            municipality: m,
            cardNumber: 'kid',
            birthDate: '2018-01-01',
            guardian: 'teen',
            at,
          }),
        ),
      ),
      'guardian',
    )
    assert.equal(
      await field(
        t.tx((trx) =>
          registerPatron(trx, t.services.cprVault, {
            municipality: m,
            cardNumber: 'kid',
            birthDate: '2018-01-01',
            guardian: 'nobody',
            at,
          }),
        ),
      ),
      'guardian',
    )
    const kid = await t.tx((trx) =>
      registerPatron(trx, t.services.cprVault, {
        municipality: m,
        cardNumber: 'kid',
        birthDate: '2018-01-01',
        guardian: 'k1',
        at,
      }),
    )
    assert.ok(kid.guardianId !== null)
  })
})
