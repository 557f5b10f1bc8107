import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** The bin, as users run it. */
export const BIN = fileURLToPath(new URL('../../bin/sd.mjs', import.meta.url))

/** What a run of `sd` printed and how it ended. */
export interface Run {
  status: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** Runs `node bin/sd.mjs ...args` to the end (stderr is not a terminal, so progress is plain lines). */
export function sd(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<Run> {
  const child = start(args, options)
  return finished(child, options.timeoutMs ?? 60_000)
}

/**
 * Starts `sd` and returns the child (for `sd serve`). Progress shows only for a run longer than
 * `SD_PROGRESS_DELAY_MS`: a test sets it (0) where it checks progress; elsewhere it is 10 minutes,
 * so a run slowed by a busy machine prints what a quick one prints.
 */
export function start(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? process.cwd(),
    env: { ...process.env, SD_PROGRESS_DELAY_MS: '600000', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
}

/** Waits for a child to end, gathering its output; kills it after `timeoutMs`. */
export function finished(child: ChildProcess, timeoutMs: number): Promise<Run> {
  let stdout = ''
  let stderr = ''
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    stdout += d
  })
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderr += d
  })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`sd did not finish within ${timeoutMs} ms; stderr: ${stderr}`))
    }, timeoutMs)
    child.on('error', reject)
    child.on('close', (status, signal) => {
      clearTimeout(timer)
      resolve({ status, signal, stdout, stderr })
    })
  })
}

/** Runs `sd` and parses its stdout as JSON, failing with its stderr when it did not succeed. */
export async function sdJson<T = unknown>(args: string[]): Promise<T> {
  const run = await sd([...args, '--json'])
  if (run.status !== 0) throw new Error(`sd ${args.join(' ')} exited ${run.status}: ${run.stderr}`)
  return JSON.parse(run.stdout) as T
}
