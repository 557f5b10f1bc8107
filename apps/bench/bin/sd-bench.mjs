#!/usr/bin/env node
// Runs the TypeScript sources directly: Node with tsx and the `@sd/source` export condition, so
// sibling packages are read from their sources and nothing needs building first.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url))
const tsx = import.meta.resolve('tsx')
const child = spawn(
  process.execPath,
  ['--conditions=@sd/source', '--import', tsx, cli, ...process.argv.slice(2)],
  {
    stdio: 'inherit',
  },
)
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
child.on('close', (code, signal) => {
  if (!signal) process.exit(code ?? 1)
  // end the way the child did, so the shell sees the signal
  process.removeAllListeners(signal)
  process.kill(process.pid, signal)
})
