#!/usr/bin/env node
// Runs the TypeScript sources directly: Node with tsx and the `@sd/source` export condition, so the
// sd packages are read from their sources and nothing needs building first.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url))
const tsx = import.meta.resolve('tsx')
// `pnpm sd ...` runs this from the repository root: paths on the command line are relative to
// where the user typed it, which pnpm passes as INIT_CWD.
const cwd =
  process.env.npm_lifecycle_event === 'sd' && process.env.INIT_CWD ? process.env.INIT_CWD : process.cwd()
const child = spawn(
  process.execPath,
  ['--conditions=@sd/source', '--import', tsx, cli, ...process.argv.slice(2)],
  { stdio: 'inherit', cwd },
)
// The child gets SIGINT from the terminal itself (same process group); SIGTERM sent to this
// process alone is passed on, so `kill <pid>` stops a server cleanly.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal))
child.on('error', (err) => {
  process.stderr.write(`sd: INTERNAL: could not start Node: ${err.message}\n`)
  process.exit(1)
})
child.on('close', (code, signal) => {
  if (!signal) process.exit(code ?? 1)
  // end the way the child did, so the shell sees the signal
  process.removeAllListeners(signal)
  process.kill(process.pid, signal)
})
