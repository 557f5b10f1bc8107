/**
 * The child process entry: runs one job (argv[2], a JSON `JobSpec`) and prints one JSON line
 * with its figures and this process's peak RSS (VmHWM: `maxRSS` would include the parent's).
 * `--baseline` loads the same modules and reads nothing, to show what a child costs before data.
 */
import { peakRssMb } from '@sd/benchmarks/lib/peak-rss'
import { PackageUnavailableError, runJob } from './job.js'
import type { ChildReply } from './run-job.js'
import type { JobSpec } from './types.js'

function reply(message: ChildReply): void {
  process.stdout.write(`\n${JSON.stringify(message)}\n`)
}

const arg = process.argv[2] ?? ''
if (arg === '--baseline') {
  reply({ ok: true, outputs: [], peakRssMb: peakRssMb() })
} else {
  try {
    const outputs = await runJob(JSON.parse(arg) as JobSpec)
    reply({ ok: true, outputs, peakRssMb: peakRssMb() })
  } catch (err) {
    const error = err instanceof Error ? `${err.name}: ${err.message}` : String(err)
    reply({ ok: false, unavailable: err instanceof PackageUnavailableError, error })
  }
}
