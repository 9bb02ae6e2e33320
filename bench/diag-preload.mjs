// Diagnosis: preloaded into the service (BENCH_SERVER_NODE_ARGS="--import ./bench/diag-preload.mjs"), writes
// every 2 s the event loop's delay and the garbage collector's pauses to the file in LAAN_DIAG_FILE.
import diagnostics from 'node:diagnostics_channel'
import { appendFileSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { monitorEventLoopDelay, PerformanceObserver, performance } from 'node:perf_hooks'
import v8 from 'node:v8'

const file = process.env.LAAN_DIAG_FILE ?? '/tmp/laan-diag.log'
const delay = monitorEventLoopDelay({ resolution: 1 })
delay.enable()
const gcKinds = { 1: 'scavenge', 2: 'minor-ms', 4: 'mark-compact', 8: 'incremental', 16: 'weak' }
let gc = []
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const detail = entry.detail
    gc.push({ kind: gcKinds[detail?.kind ?? 0] ?? String(detail?.kind), ms: entry.duration })
  }
}).observe({ entryTypes: ['gc'] })
const started = new WeakMap()
let served = []
diagnostics.subscribe('http.server.request.start', ({ request }) => started.set(request, performance.now()))
diagnostics.subscribe('http.server.response.finish', ({ request }) => {
  const t = started.get(request)
  if (t !== undefined) served.push(performance.now() - t)
})
const pct = (sorted, p) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] : 0
const oldSpaceMb = () =>
  (
    (v8.getHeapSpaceStatistics().find((space) => space.space_name === 'old_space')?.space_used_size ?? 0) /
    1048576
  ).toFixed(0)
// LAAN_DIAG_HEAP=<file>: when the load falls from a busy window (the closed loop) to a calmer one (the open
// loop), samples for 15 s the allocations that outlive the young generation (kept, or collected only by a
// full collection) and writes them as a .heapprofile.
const heapFile = process.env.LAAN_DIAG_HEAP
let heapState = heapFile ? 'waiting' : 'off'
let sawBusy = false
async function sampleHeap() {
  heapState = 'sampling'
  const inspector = new Session()
  inspector.connect()
  await inspector.post('HeapProfiler.enable')
  await inspector.post('HeapProfiler.startSampling', {
    samplingInterval: 16384,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: false,
  })
  setTimeout(async () => {
    const { profile } = await inspector.post('HeapProfiler.stopSampling')
    writeFileSync(heapFile, JSON.stringify(profile))
    heapState = 'done'
  }, 15_000).unref()
}
let lastElu = performance.eventLoopUtilization()
setInterval(() => {
  const elu = performance.eventLoopUtilization(lastElu)
  lastElu = performance.eventLoopUtilization()
  const byKind = new Map()
  for (const g of gc) {
    const k = byKind.get(g.kind) ?? { n: 0, total: 0, max: 0 }
    k.n++
    k.total += g.ms
    k.max = Math.max(k.max, g.ms)
    byKind.set(g.kind, k)
  }
  gc = []
  const sorted = served.sort((a, b) => a - b)
  served = []
  const req = `req ${sorted.length} p50 ${pct(sorted, 50).toFixed(1)} p99 ${pct(sorted, 99).toFixed(1)} max ${pct(sorted, 100).toFixed(1)} >10ms ${sorted.filter((v) => v > 10).length}`
  const ms = (ns) => (ns / 1e6).toFixed(1)
  const gcText = [...byKind].map(
    ([kind, k]) => `${kind} ${k.n}× ${k.total.toFixed(0)}ms max ${k.max.toFixed(1)}`,
  )
  appendFileSync(
    file,
    `${new Date().toISOString()} elu ${(elu.utilization * 100).toFixed(0)}% delay p50 ${ms(delay.percentile(50))} ` +
      `p99 ${ms(delay.percentile(99))} max ${ms(delay.max)} heap ${(process.memoryUsage().heapUsed / 1048576).toFixed(0)}MB old ${oldSpaceMb()}MB ${req} gc ${gcText.join(', ')}\n`,
  )
  delay.reset()
  if (heapState === 'waiting') {
    if (elu.utilization > 0.9) sawBusy = true
    else if (sawBusy && elu.utilization > 0.2 && elu.utilization < 0.6) void sampleHeap()
  }
}, 2000).unref()
