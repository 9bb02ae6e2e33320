import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { addItem } from '../catalogue/catalogue-service.ts'
import { openDatabase } from '../db/database.ts'
import { registerPatron } from '../patrons/patron-service.ts'
import { createServices } from '../services.ts'
import { SimulatedClock } from '../shared/clock.ts'
import { nightlyOutcome } from '../test-support/nightly-outcome.ts'

// The nightly run is killed (SIGKILL, from outside) while it works through its batches, then run again;
// the result must be what one clean run gives.

const LAAN = fileURLToPath(new URL('../../bin/laan.js', import.meta.url))
const DATE = '2026-06-01'
const serverUrl = process.env.DATABASE_URL
const cleanups: (() => Promise<void>)[] = []
after(async () => {
  for (const cleanup of cleanups) await cleanup()
})

interface Target {
  env: Record<string, string>
  open: () => ReturnType<typeof openDatabase>
}

async function newServerTarget(): Promise<Target> {
  const name = `laan_crash_${randomBytes(4).toString('hex')}`
  const admin = new pg.Client({ connectionString: serverUrl })
  await admin.connect()
  await admin.query(`create database ${name}`)
  await admin.end()
  cleanups.push(async () => {
    const c = new pg.Client({ connectionString: serverUrl })
    await c.connect()
    await c.query(`drop database if exists ${name} with (force)`)
    await c.end()
  })
  const url = new URL(serverUrl as string)
  url.pathname = `/${name}`
  return { env: { DATABASE_URL: url.toString() }, open: () => openDatabase({ url: url.toString() }) }
}

function dirTarget(dir: string): Target {
  return { env: { LAAN_DATA_DIR: dir }, open: () => openDatabase({ dataDir: dir }) }
}

async function seed(target: Target): Promise<void> {
  const handle = await target.open()
  const services = await createServices({
    db: handle.db,
    clock: new SimulatedClock(new Date('2026-03-02T10:00:00+01:00')),
  })
  await handle.db.transaction().execute(async (trx) => {
    for (let p = 0; p < 60; p++) {
      await registerPatron(trx, services.cprVault, {
        municipality: 'kobenhavn',
        at: new Date('2026-03-02T10:00:00+01:00'),
        cardNumber: `c${p}`,
        birthDate: p % 3 ? '1980-01-01' : '2012-01-01',
      })
      for (let k = 0; k < 2; k++) {
        const barcode = `x${p}-${k}`
        await addItem(trx, {
          municipality: 'kobenhavn',
          barcode,
          materialType: k ? 'film' : 'book',
          title: barcode,
        })
        await services.circulation.checkout(trx, {
          municipality: 'kobenhavn',
          patron: `c${p}`,
          item: barcode,
        })
      }
    }
  })
  await handle.close()
}

function runNightly(target: Target, killAfterBatch: number | null): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [LAAN, 'run', 'nightly', '--municipality', 'kobenhavn', '--date', DATE, '--batch-size', '8'],
      {
        env: { ...process.env, DATABASE_URL: '', LAAN_DATA_DIR: '', ...target.env },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    )
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
      if (killAfterBatch !== null && stderr.includes(`declare-lost: batch ${killAfterBatch},`))
        child.kill('SIGKILL')
    })
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(null)
      else if (code === 0) resolve(0)
      else reject(new Error(`laan run nightly exited ${code}: ${stderr}`))
    })
  })
}

async function outcome(target: Target) {
  const handle = await target.open()
  try {
    return await nightlyOutcome(handle.db)
  } finally {
    await handle.close()
  }
}

describe('the nightly run killed between batches', () => {
  it('ends, when run again, exactly where one clean run ends', { timeout: 240_000 }, async () => {
    let killed: Target
    let clean: Target
    if (serverUrl) {
      killed = await newServerTarget()
      clean = await newServerTarget()
      await seed(killed)
      await seed(clean)
    } else {
      const root = mkdtempSync(join(tmpdir(), 'laan-crash-'))
      cleanups.push(async () => rmSync(root, { recursive: true, force: true }))
      killed = dirTarget(join(root, 'killed'))
      clean = dirTarget(join(root, 'clean'))
      await seed(killed)
      cpSync(join(root, 'killed'), join(root, 'clean'), { recursive: true })
    }
    assert.equal(await runNightly(killed, 3), null, 'the first run was killed')
    const halfway = await outcome(killed)
    const lostHalfway = halfway.loans.filter((l) => l.status === 'lost').length
    assert.ok(lostHalfway >= 24 && lostHalfway < 120, `killed partway (${lostHalfway} of 120 lost)`)
    assert.equal(await runNightly(killed, null), 0)
    assert.equal(await runNightly(clean, null), 0)
    const expected = await outcome(clean)
    assert.equal(expected.loans.filter((l) => l.status === 'lost').length, 120)
    assert.deepEqual(await outcome(killed), expected)
  })
})
