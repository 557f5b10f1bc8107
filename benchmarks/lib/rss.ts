import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** What a child measurement script prints as its last stdout line (JSON). */
export interface ChildReport {
  /** Peak RSS of the child in MiB (its own VmHWM, see `peakRssMb`). */
  peakRssMb: number
  seconds: number
  records: number
  [key: string]: unknown
}

/**
 * Runs `script` (a TypeScript file) in a fresh Node process with the `@sd/source` condition and
 * tsx, passing `args`, and returns the JSON object it prints last. A fresh process is the only
 * honest way to compare peak RSS of two runs.
 */
export function runChild(
  script: string | URL,
  args: string[],
  options: { maxOldSpaceMb?: number } = {},
): Promise<ChildReport> {
  const path = typeof script === 'string' ? script : fileURLToPath(script)
  const flags = ['--conditions=@sd/source', '--import', 'tsx', '--expose-gc']
  if (options.maxOldSpaceMb) flags.push(`--max-old-space-size=${options.maxOldSpaceMb}`)
  return childReport(path, [...flags, path, ...args])
}

/** Runs Node with `argv` in a fresh process and returns the JSON object it prints last (`path` names it in errors). */
export function childReport(path: string, argv: string[]): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
    })
    child.on('error', reject)
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${path} exited with code ${code}`))
      const last = out.trim().split('\n').at(-1) ?? ''
      try {
        resolve(JSON.parse(last) as ChildReport)
      } catch {
        reject(new Error(`${path} printed no JSON report: ${last.slice(0, 200)}`))
      }
    })
  })
}

/** Peak RSS of this process so far, in MiB (VmHWM; see `peak-rss.ts`). Call it last thing in a child script. */
export { peakRssMb } from './peak-rss.ts'
