// Fuzzing the loaders that read files people write: scenarios (YAML or JSON) and policies (YAML). Random
// text, hostile YAML (aliases, deep nesting, huge input) and structure-aware mutations of the real files
// (a field deleted, a value replaced by a random or extreme one, events duplicated) must each end in the
// loader's own error naming where the input is wrong, never any other exception or a hang; a mutated
// scenario that still parses must run to its end or stop with such an error.

import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml'
import { readPolicyFiles } from '../policy/policy-files.ts'
import { InvalidPolicyError, parsePolicy } from '../policy/policy-schema.ts'
import { parseReceivablesPolicy, readReceivablesPolicyFiles } from '../receivables/receivables-policy.ts'
import { ValidationError } from '../shared/errors.ts'
import { runScenario } from './scenario-runner.ts'
import { InvalidScenarioError, parseScenario } from './scenario-schema.ts'

const RUNS = Number(process.env.LOADER_FUZZ_RUNS ?? 200)
const RUN_SCENARIO_RUNS = Number(process.env.LOADER_FUZZ_SCENARIO_RUNS ?? 12)
const ROOT = new URL('../../', import.meta.url)
const EXAMPLES = new URL('examples/scenarios/', ROOT)
const POLICIES = new URL('policies/', ROOT)

const yamlFiles = (dir: URL) =>
  readdirSync(dir)
    .filter((name) => name.endsWith('.yaml'))
    .map((name) => readFileSync(new URL(name, dir), 'utf8'))

const exampleScenarios = yamlFiles(EXAMPLES).map((text) => parseYaml(text) as unknown)
const policyObjects = yamlFiles(POLICIES).map((text) => parseYaml(text) as unknown)
const receivablesObjects = yamlFiles(new URL('receivables/', POLICIES)).map(
  (text) => parseYaml(text) as unknown,
)

/** Replacement values that have broken loaders elsewhere: extremes, wrong types, huge strings, odd dates. */
const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(
    null,
    '',
    -1,
    0,
    1e308,
    -1e308,
    Number.MAX_SAFE_INTEGER,
    0.5,
    '9999-12-31',
    '0000-01-01',
    '2026-02-30',
    '2026-03-29T02:30:00+01:00',
    'NaN',
    '__proto__',
    '<script>alert(1)</script>',
    "'; drop table patrons; --",
    'x'.repeat(100_000),
    [],
    {},
    { __proto__: { polluted: true } },
  ),
)

type Path = (string | number)[]

function leafPaths(value: unknown, path: Path = []): Path[] {
  if (Array.isArray(value)) return [path, ...value.flatMap((v, i) => leafPaths(v, [...path, i]))]
  if (value !== null && typeof value === 'object')
    return [path, ...Object.entries(value).flatMap(([k, v]) => leafPaths(v, [...path, k]))]
  return [path]
}

function setAt(root: unknown, path: Path, replace: (old: unknown) => unknown | typeof DELETE): unknown {
  if (path.length === 0) {
    const next = replace(root)
    return next === DELETE ? null : next
  }
  const [head, ...rest] = path as [string | number, ...Path]
  if (Array.isArray(root)) {
    const copy = [...root]
    const next =
      rest.length === 0 ? replace(copy[head as number]) : setAt(copy[head as number], rest, replace)
    if (next === DELETE) copy.splice(head as number, 1)
    else copy[head as number] = next
    return copy
  }
  const copy = { ...(root as Record<string, unknown>) }
  const next = rest.length === 0 ? replace(copy[head]) : setAt(copy[head], rest, replace)
  if (next === DELETE) delete copy[head]
  else copy[head] = next
  return copy
}

const DELETE = Symbol('delete')

type Mutation = { at: number; kind: 'replace' | 'delete' | 'duplicate'; value: unknown }
const mutation: fc.Arbitrary<Mutation> = fc.record({
  at: fc.nat(),
  kind: fc.constantFrom('replace', 'delete', 'duplicate'),
  value: nastyValue,
})

function mutate(document: unknown, mutations: readonly Mutation[]): unknown {
  let current = document
  for (const m of mutations) {
    const paths = leafPaths(current)
    const path = paths[m.at % paths.length] ?? []
    current = setAt(current, path, (old) =>
      m.kind === 'delete'
        ? DELETE
        : m.kind === 'duplicate' && Array.isArray(old)
          ? [...old, ...old]
          : m.value,
    )
  }
  return current
}

/** Mutations that keep a scenario's shape but change what its events mean: the runner must cope. */
type EventMutation = {
  at: number
  kind: 'drop' | 'duplicate' | 'retime' | 'patron' | 'item' | 'amount'
  shiftMinutes: number
  pick: number
  amount: number
}
const eventMutation: fc.Arbitrary<EventMutation> = fc.record({
  at: fc.nat(),
  kind: fc.constantFrom('drop', 'duplicate', 'retime', 'patron', 'item', 'amount'),
  shiftMinutes: fc.integer({ min: -60 * 24 * 60, max: 60 * 24 * 60 }),
  pick: fc.nat(),
  amount: fc.oneof(fc.integer({ min: -1_000_000, max: 100_000_000 }), fc.constant(0)),
})

const duplicateFirst: EventMutation = { at: 0, kind: 'duplicate', shiftMinutes: 0, pick: 0, amount: 0 }

function mutateEvents(document: unknown, mutations: readonly EventMutation[]): unknown {
  const scenario = structuredClone(document) as {
    patrons?: { id: string }[]
    items?: { id: string }[]
    events?: Record<string, unknown>[]
  }
  const events = scenario.events ?? []
  const patrons = [...(scenario.patrons ?? []).map((p) => p.id), 'nobody']
  const items = [...(scenario.items ?? []).map((i) => i.id), 'no-such-item']
  for (const m of mutations) {
    if (events.length === 0) break
    const index = m.at % events.length
    const event = events[index] as Record<string, unknown>
    if (m.kind === 'drop') events.splice(index, 1)
    else if (m.kind === 'duplicate') events.splice(index, 0, structuredClone(event))
    else if (m.kind === 'retime')
      event.at = new Date(new Date(String(event.at)).getTime() + m.shiftMinutes * 60_000).toISOString()
    else if (m.kind === 'patron' && 'patron' in event) event.patron = patrons[m.pick % patrons.length]
    else if (m.kind === 'item' && 'item' in event) event.item = items[m.pick % items.length]
    else if (m.kind === 'amount' && 'amount' in event) event.amount = m.amount
  }
  return scenario
}

/** Hostile YAML texts that are not mutations of a document. */
const hostileText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constantFrom(
    '',
    '---',
    '[',
    '{'.repeat(50_000),
    '- '.repeat(20_000),
    // A "billion laughs" alias bomb.
    'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n',
    '!!js/function "function(){ return 1 }"',
    `municipality: kobenhavn\nuntil: 2026-06-30\nevents:\n${'  - { at: "2026-03-02T10:00:00+01:00", type: checkout, patron: a, item: b }\n'.repeat(5000)}`,
    `x: "${'y'.repeat(3_000_000)}"`,
  ),
)

function assertScenarioLoaderError(error: unknown): void {
  assert.ok(
    error instanceof InvalidScenarioError,
    `expected InvalidScenarioError, got ${error instanceof Error ? `${error.name}: ${error.message.slice(0, 300)}` : String(error)}`,
  )
  assert.ok(error.issues.length > 0 && error.issues.every((i) => i.path !== '' && i.message !== ''))
}

function parsesOrRefuses(text: string): ReturnType<typeof parseScenario> | null {
  try {
    return parseScenario(text)
  } catch (error) {
    assertScenarioLoaderError(error)
    return null
  }
}

describe('the scenario loader under hostile input', () => {
  it('refuses random and hostile text with an error naming where, and never throws anything else', () => {
    fc.assert(
      fc.property(hostileText, (text) => {
        parsesOrRefuses(text)
      }),
      { numRuns: RUNS },
    )
  })

  it('refuses an oversized file before parsing it', () => {
    const huge = `# ${'x'.repeat(60 * 1024 * 1024)}`
    assert.throws(() => parseScenario(huge), /scenario file is larger than/)
  })

  it('mutated example scenarios parse or are refused with the field at fault, as YAML and as JSON', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...exampleScenarios),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        (document, mutations, asJson) => {
          const mutated = mutate(document, mutations)
          parsesOrRefuses(asJson ? JSON.stringify(mutated) : stringifyYaml(mutated))
        },
      ),
      { numRuns: RUNS },
    )
  })

  it('a scenario whose events are shuffled in meaning runs to its end or stops with a clear error', async () => {
    let ran = 0
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...exampleScenarios),
        fc.array(eventMutation, { minLength: 1, maxLength: 3 }),
        async (document, mutations) => {
          const scenario = parsesOrRefuses(stringifyYaml(mutateEvents(document, mutations)))
          if (!scenario) return
          ran++
          try {
            const output = await runScenario(scenario, { baseDir: EXAMPLES.pathname })
            assert.equal(typeof output, 'object')
          } catch (error) {
            assert.ok(
              error instanceof InvalidScenarioError || error instanceof ValidationError,
              `the run failed with ${error instanceof Error ? `${error.name}: ${error.message.slice(0, 300)}` : String(error)}`,
            )
          }
        },
      ),
      // Run first, and always valid (an event twice): whatever the random draws refuse, the runner still runs
      // mutated scenarios (requiring a third of the random ones to parse failed now and then by chance).
      {
        numRuns: RUN_SCENARIO_RUNS,
        examples: exampleScenarios.slice(0, 3).map((d) => [d, [duplicateFirst]]),
      },
    )
    assert.ok(ran >= Math.min(3, RUN_SCENARIO_RUNS), `only ${ran} mutated scenarios parsed`)
  })
})

describe('the policy loaders under hostile input', () => {
  const refusedWithField = (error: unknown) => {
    assert.ok(
      error instanceof InvalidPolicyError,
      `expected InvalidPolicyError, got ${error instanceof Error ? `${error.name}: ${error.message.slice(0, 300)}` : String(error)}`,
    )
    assert.ok(error.issues.length > 0 && error.issues.every((i) => i.path !== '' && i.message !== ''))
  }

  it('mutated library and receivables policies are accepted or refused naming the field', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(
          ...policyObjects.map((p) => ['library', p] as const),
          ...receivablesObjects.map((p) => ['receivables', p] as const),
        ),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        ([kind, document], mutations) => {
          const mutated = mutate(document, mutations)
          try {
            if (kind === 'library') parsePolicy(mutated, 'fuzz.yaml')
            else parseReceivablesPolicy(mutated, 'fuzz.yaml')
          } catch (error) {
            refusedWithField(error)
          }
        },
      ),
      { numRuns: RUNS },
    )
  })

  it('a policy folder with a hostile file is refused naming the file, never with a parser crash', () => {
    const dir = mkdtempSync(join(tmpdir(), 'laan-policy-fuzz-'))
    try {
      fc.assert(
        fc.property(hostileText, fc.boolean(), (text, receivables) => {
          writeFileSync(join(dir, 'fuzz.yaml'), text)
          try {
            if (receivables) readReceivablesPolicyFiles(dir)
            else readPolicyFiles(dir)
            assert.fail('a hostile policy file was accepted')
          } catch (error) {
            refusedWithField(error)
            assert.match((error as Error).message, /fuzz\.yaml/)
          }
        }),
        { numRuns: Math.min(RUNS, 60) },
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
