/**
 * Copies the committed results (`benchmarks/results/<suite>.json`) into every README that holds
 * `<!-- perf:<suite> -->` ... `<!-- /perf:<suite> -->` markers, as Markdown tables.
 *
 *   pnpm --filter @sd/benchmarks update-readmes
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { type SuiteResult, toMarkdown } from './lib/suite.ts'

const root = join(import.meta.dirname, '..')
const readmes = [
  join(root, 'README.md'),
  ...['packages', 'apps'].flatMap((dir) =>
    readdirSync(join(root, dir)).map((name) => join(root, dir, name, 'README.md')),
  ),
].filter((path) => existsSync(path))

const resultsDir = join(import.meta.dirname, 'results')
for (const file of readdirSync(resultsDir).filter((f) => f.endsWith('.json'))) {
  const result = JSON.parse(readFileSync(join(resultsDir, file), 'utf8')) as SuiteResult
  const begin = `<!-- perf:${result.suite} -->`
  const end = `<!-- /perf:${result.suite} -->`
  const table = [
    `Measured ${result.ranAt.slice(0, 10)} on ${result.machine.cpus} x ${result.machine.cpuModel}, Node ${result.machine.node}, with \`${result.command}\`:`,
    '',
    toMarkdown(result),
    ...(result.notes ?? []).map((n) => `\n${n}`),
  ].join('\n')
  for (const path of readmes) {
    const text = readFileSync(path, 'utf8')
    const a = text.indexOf(begin)
    const b = text.indexOf(end)
    if (a === -1 || b === -1 || b < a) continue
    writeFileSync(path, `${text.slice(0, a + begin.length)}\n${table}\n${text.slice(b)}`)
    console.log(`${result.suite} -> ${path}`)
  }
}
