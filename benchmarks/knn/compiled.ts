/**
 * The IVF search child runs as an application would: plain Node on the compiled packages (`dist/`),
 * without the TypeScript loader (which alone costs a fresh process about 40 MiB of RSS). These
 * compile the packages it imports and run it.
 */
import { execFileSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type ChildReport, childReport } from '../lib/rss.ts'

const root = join(import.meta.dirname, '..', '..')

/** Compiles `packages/<name>` to its `dist/` with its own tsconfig.build.json, in order. */
export function compilePackages(names: readonly string[]): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
  for (const name of names)
    execFileSync(process.execPath, [tsc, '-p', join(root, 'packages', name, 'tsconfig.build.json')], {
      stdio: ['ignore', 'inherit', 'inherit'],
    })
}

/** Runs a JavaScript `script` in a fresh plain Node process and returns the JSON object it prints last. */
export function runPlainChild(script: URL, args: string[]): Promise<ChildReport> {
  const path = fileURLToPath(script)
  return childReport(path, [path, ...args])
}
