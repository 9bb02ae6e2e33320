import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { loadConfig } from '../config.ts'
import { ValidationError } from '../shared/errors.ts'
import { CprDecryptionError, createCprVault, DEVELOPMENT_CPR_KEY, parseCprKey } from './cpr-vault.ts'

const cprs = fc
  .tuple(fc.integer({ min: 0, max: 999_999 }), fc.integer({ min: 0, max: 9999 }))
  .map(([birth, serial]) => `${String(birth).padStart(6, '0')}${String(serial).padStart(4, '0')}`)
const keys = fc.uint8Array({ minLength: 32, maxLength: 32 })

describe('the CPR vault', () => {
  it('decrypts what it encrypted, with a fresh IV each time, whether written with a dash or not', () => {
    fc.assert(
      fc.property(keys, cprs, (key, cpr) => {
        const vault = createCprVault([{ version: 1, key }])
        const a = vault.encrypt(cpr)
        const b = vault.encrypt(`${cpr.slice(0, 6)}-${cpr.slice(6)}`)
        assert.notEqual(a, b)
        assert.equal(vault.decrypt(a), cpr)
        assert.equal(vault.decrypt(b), cpr)
        assert.match(a, /^v1:[\w-]{16}:[\w-]{22}:[\w-]+$/)
      }),
    )
  })

  it('never writes the digits in clear, in the ciphertext or the hash', () => {
    fc.assert(
      fc.property(keys, cprs, (key, cpr) => {
        const vault = createCprVault([{ version: 1, key }])
        for (const text of [vault.encrypt(cpr), vault.hash(cpr)]) {
          assert.ok(!text.includes(cpr))
          assert.ok(!text.includes(cpr.slice(0, 6)) || !text.includes(cpr.slice(6)))
        }
      }),
    )
  })

  it('hashes deterministically, the same for both spellings, and differently under another key', () => {
    fc.assert(
      fc.property(keys, keys, cprs, (k1, k2, cpr) => {
        fc.pre(Buffer.compare(Buffer.from(k1), Buffer.from(k2)) !== 0)
        const one = createCprVault([{ version: 1, key: k1 }])
        const two = createCprVault([{ version: 1, key: k2 }])
        assert.equal(one.hash(cpr), createCprVault([{ version: 1, key: k1 }]).hash(cpr))
        assert.equal(one.hash(cpr), one.lookupHash(`${cpr.slice(0, 6)}-${cpr.slice(6)}`))
        assert.match(one.hash(cpr), /^[0-9a-f]{64}$/)
        assert.notEqual(one.hash(cpr), two.hash(cpr))
      }),
    )
  })

  it('refuses a tampered ciphertext, another key, and an unknown key version', () => {
    fc.assert(
      fc.property(keys, cprs, fc.nat(), fc.integer({ min: 1, max: 255 }), (key, cpr, at, flip) => {
        const vault = createCprVault([{ version: 1, key }])
        const [version, iv, tag, body] = vault.encrypt(cpr).split(':') as [string, string, string, string]
        const parts = [iv, tag, body].map((p) => Buffer.from(p, 'base64url'))
        const part = parts[at % 3] as Buffer
        part[at % part.length] = (part[at % part.length] as number) ^ flip
        const tampered = [version, ...parts.map((p) => p.toString('base64url'))].join(':')
        assert.throws(() => vault.decrypt(tampered), CprDecryptionError)
      }),
    )
    const vault = createCprVault([{ version: 1, key: randomBytes(32) }])
    const text = vault.encrypt('0103901234')
    assert.throws(
      () => createCprVault([{ version: 1, key: randomBytes(32) }]).decrypt(text),
      CprDecryptionError,
    )
    assert.throws(() => vault.decrypt(text.replace(/^v1/, 'v2')), CprDecryptionError)
    assert.throws(() => vault.decrypt('0103901234'), CprDecryptionError)
  })

  it('decrypts with an older key version after a new key is put first (rotation)', () => {
    const old = { version: 1, key: randomBytes(32) }
    const text = createCprVault([old]).encrypt('0103901234')
    const rotated = createCprVault([{ version: 2, key: randomBytes(32) }, old])
    assert.equal(rotated.decrypt(text), '0103901234')
    assert.match(rotated.encrypt('0103901234'), /^v2:/)
  })

  it('finds no CPR hash for an identifier that is not a CPR number', () => {
    const vault = createCprVault()
    for (const card of ['K1001', '12345', '01039012345', '0103-901234', ''])
      assert.equal(vault.lookupHash(card), null)
  })
})

describe('LAAN_CPR_KEY', () => {
  it('is read as 64 hex digits or base64, and refused otherwise with the variable named', () => {
    const key = randomBytes(32)
    for (const text of [key.toString('hex'), key.toString('base64'), key.toString('base64url')]) {
      assert.deepEqual(Buffer.from(parseCprKey(text) ?? []), key)
      const config = loadConfig({ LAAN_CPR_KEY: text })
      assert.equal(config.cprKeyIsDefault, false)
      assert.deepEqual(Buffer.from(config.cprKeys[0]?.key ?? []), key)
    }
    for (const bad of [
      'short',
      randomBytes(16).toString('hex'),
      randomBytes(31).toString('base64'),
      '!'.repeat(44),
    ]) {
      assert.throws(
        () => loadConfig({ LAAN_CPR_KEY: bad }),
        (error) => error instanceof ValidationError && error.message.includes('LAAN_CPR_KEY'),
      )
    }
  })

  it('falls back to the development key, flagged so that laan start warns', () => {
    const config = loadConfig({})
    assert.equal(config.cprKeyIsDefault, true)
    assert.deepEqual(config.cprKeys, [DEVELOPMENT_CPR_KEY])
  })
})
