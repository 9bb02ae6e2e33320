// Scenario file validation: an invalid file is refused with a message that names the path of the bad
// field, by parseScenario and by `laan scenario FILE` (non-zero exit).
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { InvalidScenarioError, parseScenario } from './scenario-schema.ts'

const VALID = `municipality: kobenhavn
until: 2026-03-31
patrons:
  - id: anna
    birthDate: 1990-03-01
  - id: per
    cpr: "3011751234"
items:
  - { id: "5000001", materialType: book, title: Kongens Fald }
events:
  - { at: "2026-03-02T10:00:00+01:00", type: checkout, patron: anna, item: "5000001" }
  - { at: "2026-03-03T09:00:00+01:00", type: reserve, patron: per, item: "5000001" }
  - { at: "2026-03-20T16:00:00+01:00", type: checkin, item: "5000001" }
`

/** The valid scenario with one line replaced. */
function withLine(original: string, replacement: string): string {
  assert.ok(VALID.includes(original), `test setup: ${original} not in the scenario`)
  return VALID.replace(original, replacement)
}

function rejection(text: string): InvalidScenarioError {
  try {
    parseScenario(text)
  } catch (error) {
    assert.ok(error instanceof InvalidScenarioError, `not an InvalidScenarioError: ${String(error)}`)
    return error
  }
  assert.fail('the scenario was accepted')
}

const INVALID: { name: string; text: string; path: string; message: RegExp }[] = [
  {
    name: 'an event after until',
    text: withLine('until: 2026-03-31', 'until: 2026-03-19'),
    path: 'events[2].at',
    message: /after until/,
  },
  {
    name: 'an event on a day that does not exist',
    text: withLine('at: "2026-03-20T16:00:00+01:00"', 'at: "2026-02-31T16:00:00+01:00"'),
    path: 'events[2].at',
    message: /not a real time/,
  },
  {
    name: 'a CPR number that does not start with a date',
    text: withLine('cpr: "3011751234"', 'cpr: "3002751234"'),
    path: 'patrons[1].cpr',
    message: /valid date/,
  },
  {
    name: 'guardians that go round in a circle',
    text: withLine('    birthDate: 1990-03-01', '    birthDate: 1990-03-01\n    guardian: per').replace(
      'cpr: "3011751234"',
      'cpr: "3011751234"\n    guardian: anna',
    ),
    path: 'patrons[0].guardian',
    message: /circle/,
  },
  {
    name: 'a date that does not exist',
    text: withLine('until: 2026-03-31', 'until: 2026-02-30'),
    path: 'until',
    message: /YYYY-MM-DD/,
  },
  {
    name: 'a birth date in the wrong form',
    text: withLine('birthDate: 1990-03-01', 'birthDate: 01-03-1990'),
    path: 'patrons[0].birthDate',
    message: /YYYY-MM-DD/,
  },
  {
    name: 'an event time without an offset',
    text: withLine('at: "2026-03-20T16:00:00+01:00"', 'at: "2026-03-20 16:00"'),
    path: 'events[2].at',
    message: /offset/,
  },
  {
    name: 'an unknown event type',
    text: withLine('type: reserve', 'type: borrow'),
    path: 'events[1].type',
    message: /checkout/,
  },
  {
    name: 'an unknown patron id in an event',
    text: withLine('type: reserve, patron: per', 'type: reserve, patron: pia'),
    path: 'events[1].patron',
    message: /unknown patron id pia/,
  },
  {
    name: 'an unknown item id in an event',
    text: withLine('type: checkin, item: "5000001"', 'type: checkin, item: "5000002"'),
    path: 'events[2].item',
    message: /unknown item id 5000002/,
  },
  {
    name: 'events out of time order',
    text: withLine('at: "2026-03-20T16:00:00+01:00"', 'at: "2026-03-02T09:59:00+01:00"'),
    path: 'events[2].at',
    message: /time order/,
  },
  {
    name: 'a patron with neither birthDate nor cpr',
    text: withLine('    cpr: "3011751234"\n', ''),
    path: 'patrons[1].birthDate',
    message: /birthDate or cpr/,
  },
  {
    name: 'an unknown material type',
    text: withLine('materialType: book', 'materialType: vinyl'),
    path: 'items[0].materialType',
    message: /book/,
  },
  {
    name: 'an unknown municipality',
    text: withLine('municipality: kobenhavn', 'municipality: aarhus'),
    path: 'municipality',
    message: /kobenhavn/,
  },
  {
    name: 'a payment of no øre',
    text: `${VALID}  - { at: "2026-03-21T10:00:00+01:00", type: pay, patron: anna, amount: 0 }\n`,
    path: 'events[3].amount',
    message: /./,
  },
  {
    name: 'bad YAML',
    text: `${VALID}  - { at: "2026-03-21T10:00:00+01:00", type: checkin,\n`,
    path: '(file)',
    message: /./,
  },
]

describe('parseScenario', () => {
  test('accepts a valid scenario; barcodes are text; defaults apply', () => {
    const scenario = parseScenario(VALID)
    assert.equal(scenario.municipality, 'kobenhavn')
    assert.equal(scenario.patrons.length, 2)
    assert.equal(scenario.items[0]?.id, '5000001')
    assert.equal(scenario.events.length, 3)
    const unquoted = parseScenario(VALID.replaceAll('"5000001"', '5000001'))
    assert.equal(unquoted.items[0]?.id, '5000001')
  })

  test('accepts JSON as well as YAML', () => {
    const json = JSON.stringify({
      municipality: 'naestved',
      until: '2026-01-31',
      patrons: [{ id: 'kim', birthDate: '1983-11-11' }],
      items: [{ id: 'N1', materialType: 'film' }],
      events: [{ at: '2026-01-05T10:00:00+01:00', type: 'checkout', patron: 'kim', item: 'N1' }],
    })
    assert.equal(parseScenario(json).events.length, 1)
  })

  for (const invalid of INVALID) {
    test(`refuses ${invalid.name}, naming ${invalid.path}`, () => {
      const error = rejection(invalid.text)
      const issue = error.issues.find((i) => i.path === invalid.path)
      assert.ok(issue, `no issue at ${invalid.path}: ${error.message}`)
      assert.match(issue.message, invalid.message)
      assert.ok(error.message.includes(`${invalid.path}: `), error.message)
    })
  }
})

describe('laan scenario FILE', () => {
  const bin = fileURLToPath(new URL('../../bin/laan.js', import.meta.url))
  const directory = mkdtempSync(join(tmpdir(), 'laan-scenario-'))
  const run = (name: string, text: string) => {
    const file = join(directory, name)
    writeFileSync(file, text)
    return spawnSync(process.execPath, [bin, 'scenario', file], { encoding: 'utf8', timeout: 60_000 })
  }

  test('an unknown patron in an event: non-zero exit, the message names events[1].patron', () => {
    const result = run(
      'unknown-patron.yaml',
      withLine('type: reserve, patron: per', 'type: reserve, patron: pia'),
    )
    assert.notEqual(result.status, 0)
    assert.equal(result.stdout, '')
    assert.match(result.stderr, /events\[1\]\.patron: unknown patron id pia/)
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace')
  })

  test('bad YAML: non-zero exit, the message names the file', () => {
    const result = run('bad.yaml', `${VALID}  - { at: "2026-03-21T10:00:00+01:00", type: checkin,\n`)
    assert.notEqual(result.status, 0)
    assert.match(result.stderr, /invalid scenario: \(file\): /)
  })

  after(() => rmSync(directory, { recursive: true, force: true }))
})
