import assert from 'node:assert/strict'
import { test } from 'node:test'
import { hasServiceFlags, SERVICE_NODE_FLAGS } from './service-flags.ts'

test('laan start runs again with its V8 flags only when node was started without them', () => {
  assert.equal(hasServiceFlags([], undefined), false)
  assert.equal(hasServiceFlags(['--import', 'tsx'], ''), false)
  assert.equal(hasServiceFlags([...SERVICE_NODE_FLAGS], undefined), true)
  assert.equal(hasServiceFlags(['--cpu-prof'], `--enable-source-maps ${SERVICE_NODE_FLAGS.join(' ')}`), true)
})
