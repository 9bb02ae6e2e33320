// The V8 flags `laan start` runs with (bench/README.md, "the tail at 300 pairs/s"). Under a steady load of
// short requests, Node's defaults gave the requests' p99: a young generation of 2 × 16 MB collected three
// times a second, and an old generation let grow only ~20 % over what a full collection leaves, so that a
// full collection (a 25–35 ms stall, 25–80 requests over 10 ms) came every 6–10 s. With 2 × 64 MB and room
// to grow to four times the live heap (~200 MB here), the open loop sees none.
export const SERVICE_NODE_FLAGS: readonly string[] = Object.freeze([
  '--max-semi-space-size=64',
  '--heap-growing-percent=300',
])

/** Whether a process started with these arguments and NODE_OPTIONS already has every flag. */
export function hasServiceFlags(execArgv: readonly string[], nodeOptions: string | undefined): boolean {
  const given = [...execArgv, ...(nodeOptions ?? '').split(/\s+/)]
  return SERVICE_NODE_FLAGS.every((flag) => given.includes(flag))
}
