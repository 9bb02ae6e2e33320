#!/usr/bin/env node
// The laan command: runs the TypeScript sources through tsx, so a fresh clone needs no build step.
import { spawn } from 'node:child_process'
import { register } from 'tsx/esm/api'

register()
const { hasServiceFlags, SERVICE_NODE_FLAGS } = await import('../src/service-flags.ts')
if (process.argv[2] === 'start' && !hasServiceFlags(process.execArgv, process.env.NODE_OPTIONS)) {
  // The service needs V8 flags that only take effect when node starts: run it again with them.
  const service = spawn(
    process.execPath,
    [...process.execArgv, ...SERVICE_NODE_FLAGS, ...process.argv.slice(1)],
    {
      stdio: 'inherit',
    },
  )
  // Ctrl-C reaches the service from the terminal itself; a second SIGINT would cut its shutdown short.
  process.on('SIGINT', () => {})
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => service.kill(signal))
  service.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
} else {
  await import('../src/cli.ts')
}
