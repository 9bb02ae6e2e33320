import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type Algorithm, hash } from '@node-rs/argon2'
import { verifyPin } from '../patrons/patron-service.ts'
import { openTestServices, type TestContext } from '../test-support/test-services.ts'
import { hashSecret, needsRehash, verifySecret } from './password-hash.ts'

let t: TestContext
before(async () => {
  t = await openTestServices('kobenhavn', '2026-03-02T10:00:00+01:00')
})
after(() => t.close())

describe('password hashes', () => {
  it('stores a PIN as Argon2id with the shared parameters', async () => {
    const id = await t.patron({ cardNumber: 'H1', birthDate: '1990-01-01', pin: '4321' })
    const row = await t.services.db
      .selectFrom('patrons')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow()
    assert.match(row.pinHash ?? '', /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)
    assert.equal(await verifyPin(row, '4321'), true)
    assert.equal(await verifyPin(row, '4322'), false)
    assert.equal(needsRehash(row.pinHash ?? ''), false)
  })

  it('still verifies a hash an earlier version made with other parameters or Argon2i, and marks it for rehashing', async () => {
    const older = [
      await hash('1234'),
      await hash('1234', { algorithm: 1 as Algorithm, memoryCost: 4096, timeCost: 3 }),
      await hash('1234', { memoryCost: 8192, timeCost: 1 }),
    ]
    for (const stored of older) {
      assert.equal(await verifySecret(stored, '1234'), true, stored)
      assert.equal(await verifySecret(stored, '12345'), false, stored)
    }
    assert.deepEqual(
      older.map((stored) => needsRehash(stored)),
      [false, true, true],
    )
  })

  it('refuses, without throwing, a stored value that is no hash', async () => {
    assert.equal(await verifySecret('', '1234'), false)
    assert.equal(await verifySecret('1234', '1234'), false)
    assert.equal(needsRehash('plain'), true)
    assert.match(await hashSecret('x'), /^\$argon2id\$/)
  })
})
