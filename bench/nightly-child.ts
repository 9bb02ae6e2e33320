// Fallback when GNU time is missing: runs the laan CLI in this process and reports its peak memory on exit.
process.on('exit', () => {
  process.stderr.write(`bench-max-rss-kb: ${process.resourceUsage().maxRSS}\n`)
})
await import('../src/cli.ts')
