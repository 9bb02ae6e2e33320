// The V8 flags `laan start` runs with. A young generation of 2 × 64 MB instead of Node's 2 × 16 MB: under a
// steady load of short requests the small one was collected six times in two seconds and let enough survive
// to need a full collection every ten or so, and those pauses made the requests' p99 (bench/README.md).
export const SERVICE_NODE_FLAGS: readonly string[] = Object.freeze(['--max-semi-space-size=64'])

/** Whether a process started with these arguments and NODE_OPTIONS already has every flag. */
export function hasServiceFlags(execArgv: readonly string[], nodeOptions: string | undefined): boolean {
  const given = [...execArgv, ...(nodeOptions ?? '').split(/\s+/)]
  return SERVICE_NODE_FLAGS.every((flag) => given.includes(flag))
}
