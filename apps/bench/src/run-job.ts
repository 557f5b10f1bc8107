import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { JobOutput } from './job.js'
import type { JobSpec } from './types.js'

/** What a child prints as its last line. */
export type ChildReply =
  | { ok: true; outputs: JobOutput[]; peakRssMb: number }
  | { ok: false; unavailable: boolean; error: string }

/** Children running now, so an interrupted harness can end them instead of leaving them behind. */
const live = new Set<ChildProcess>()

/** Ends every running job child (on SIGINT or SIGTERM of the harness). */
export function killRunningJobs(): void {
  for (const child of live) child.kill('SIGKILL')
  live.clear()
}

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url))
// resolved here, so a child starts the same way whatever the user's working directory is
const TSX = import.meta.resolve('tsx/esm')

/**
 * Runs a job in a fresh Node process (tsx, the `@sd/source` condition), so its peak RSS is its
 * own and a crash or a hang in one configuration cannot take the harness down.
 */
export function runJobInChild(spec: JobSpec | 'baseline', timeoutMs = 15 * 60_000): Promise<ChildReply> {
  const arg = spec === 'baseline' ? '--baseline' : JSON.stringify(spec)
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--conditions=@sd/source', '--import', TSX, CHILD, arg], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    live.add(child)
    let out = ''
    let err = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk
    })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      err = (err + chunk).slice(-4000)
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', (e) => {
      clearTimeout(timer)
      resolve({ ok: false, unavailable: false, error: `could not start a child process: ${e.message}` })
    })
    child.on('close', (code, signal) => {
      live.delete(child)
      clearTimeout(timer)
      const last = out.trim().split('\n').at(-1) ?? ''
      if (code === 0) {
        try {
          resolve(JSON.parse(last) as ChildReply)
          return
        } catch {
          // fall through: report what the child printed instead
        }
      }
      const why = signal
        ? `killed by ${signal}${signal === 'SIGKILL' ? ' (time limit or out of memory)' : ''}`
        : `exit code ${code}`
      const detail = err.trim().split('\n').slice(-3).join(' | ') || last.slice(0, 300)
      resolve({ ok: false, unavailable: false, error: `child process ended (${why}): ${detail}` })
    })
  })
}
