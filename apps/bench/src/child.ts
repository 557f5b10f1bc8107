/**
 * The child process entry: runs one job (argv[2], a JSON `JobSpec`) and prints one JSON line
 * with its figures and this process's peak RSS. `--baseline` loads the same modules and reads
 * nothing, to show what a child costs before any data.
 */
import { PackageUnavailableError, runJob } from './job.js'
import type { ChildReply } from './run-job.js'
import type { JobSpec } from './types.js'

function reply(message: ChildReply): void {
  process.stdout.write(`\n${JSON.stringify(message)}\n`)
}

const arg = process.argv[2] ?? ''
if (arg === '--baseline') {
  reply({ ok: true, outputs: [], peakRssMb: process.resourceUsage().maxRSS / 1024 })
} else {
  try {
    const outputs = await runJob(JSON.parse(arg) as JobSpec)
    reply({ ok: true, outputs, peakRssMb: process.resourceUsage().maxRSS / 1024 })
  } catch (err) {
    const error = err instanceof Error ? `${err.name}: ${err.message}` : String(err)
    reply({ ok: false, unavailable: err instanceof PackageUnavailableError, error })
  }
}
