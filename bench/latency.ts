// Latency figures of a list of times in milliseconds (the load generators and the web part).

export interface LatencySummary {
  count: number
  p50: number
  p90: number
  p95: number
  p99: number
  p999: number
  max: number
  mean: number
}

export function summarizeLatency(values: readonly number[]): LatencySummary {
  const sorted = Float64Array.from(values).sort()
  const at = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0
  const round = (n: number) => Math.round(n * 100) / 100
  const sum = values.reduce((a, b) => a + b, 0)
  return {
    count: values.length,
    p50: round(at(0.5)),
    p90: round(at(0.9)),
    p95: round(at(0.95)),
    p99: round(at(0.99)),
    p999: round(at(0.999)),
    max: round(sorted[sorted.length - 1] ?? 0),
    mean: round(values.length ? sum / values.length : 0),
  }
}
