import { Writable } from 'node:stream'

/** A logger setting that writes every line at trace level into `lines`, for tests that read the log. */
export function collectedLog(): { logger: { level: 'trace'; stream: Writable }; lines: string[] } {
  const lines: string[] = []
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean))
      done()
    },
  })
  return { logger: { level: 'trace', stream }, lines }
}
