// Every scenario in examples/scenarios/ replays to exactly its expected output (X.yaml → X.expected.json).
// The expected outputs were worked out by hand from RULES.md and the seeds; see the comments in each file.
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { openTestDatabase } from '../test-support/test-database.ts'
import { runScenario } from './scenario-runner.ts'
import { parseScenario } from './scenario-schema.ts'

const directory = fileURLToPath(new URL('../../examples/scenarios/', import.meta.url))
const scenarios = readdirSync(directory)
  .filter((name) => name.endsWith('.yaml'))
  .sort()

test('examples/scenarios holds about a dozen scenarios, each with its expected output', () => {
  assert.ok(scenarios.length >= 12, `only ${scenarios.length} scenarios`)
  for (const name of scenarios) {
    assert.ok(
      existsSync(join(directory, name.replace(/\.yaml$/, '.expected.json'))),
      `${name} has no expected output`,
    )
  }
})

for (const name of scenarios) {
  test(`scenario ${name}`, async () => {
    const scenario = parseScenario(readFileSync(join(directory, name), 'utf8'))
    const expected: unknown = JSON.parse(
      readFileSync(join(directory, name.replace(/\.yaml$/, '.expected.json')), 'utf8'),
    )
    const database = await openTestDatabase()
    try {
      const output = await runScenario(scenario, { database, baseDir: directory })
      assert.deepEqual(output, expected)
    } finally {
      await database.close()
    }
  })
}
