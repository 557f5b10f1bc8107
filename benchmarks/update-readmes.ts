/**
 * Copies the committed results (`benchmarks/results/<suite>.json`) into every README that holds
 * `<!-- perf:<suite> -->` ... `<!-- /perf:<suite> -->` markers, as Markdown tables, and writes the
 * summary of every suite's checks between `<!-- perf:summary -->` markers (the top README).
 *
 *   pnpm --filter @sd/benchmarks update-readmes            # every suite
 *   pnpm --filter @sd/benchmarks update-readmes csv json   # only these suites' tables (and the summary)
 */
import { execFileSync } from 'node:child_process'
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

const only = new Set(process.argv.slice(2))
const resultsDir = join(import.meta.dirname, 'results')
const results = readdirSync(resultsDir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((file) => JSON.parse(readFileSync(join(resultsDir, file), 'utf8')) as SuiteResult)

const written = new Set<string>()

/** Replaces what stands between `<!-- perf:<name> -->` and its closing marker in every README. */
function place(name: string, table: string): void {
  const begin = `<!-- perf:${name} -->`
  const end = `<!-- /perf:${name} -->`
  for (const path of readmes) {
    const text = readFileSync(path, 'utf8')
    const a = text.indexOf(begin)
    const b = text.indexOf(end)
    if (a === -1 || b === -1 || b < a) continue
    writeFileSync(path, `${text.slice(0, a + begin.length)}\n${table}\n${text.slice(b)}`)
    written.add(path)
    console.log(`${name} -> ${path}`)
  }
}

for (const result of results) {
  if (only.size > 0 && !only.has(result.suite)) continue
  place(
    result.suite,
    [
      `Measured ${result.ranAt.slice(0, 10)} on ${result.machine.cpus} x ${result.machine.cpuModel}, Node ${result.machine.node}, with \`${result.command}\`:`,
      '',
      toMarkdown(result),
      ...(result.notes ?? []).map((n) => `\n${n}`),
    ].join('\n'),
  )
}

/** One row per suite: when it ran, the checks it met, and each check it missed with its ratio. */
function summary(all: readonly SuiteResult[]): string {
  const rows = all.map((r) => {
    const met = r.ratios.filter((c) => c.pass).length
    const missed = r.ratios
      .filter((c) => !c.pass)
      .map((c) => `${c.name}: ${c.ratio.toFixed(2)} (${c.target})`)
      .join('; ')
    return `| ${r.suite} | ${r.ranAt.slice(0, 16).replace('T', ' ')} UTC | ${met} of ${r.ratios.length} | ${missed || 'none'} |`
  })
  return [
    '| suite | run | targets met | missed (ratio, target) |',
    '| --- | --- | ---: | --- |',
    ...rows,
  ].join('\n')
}

place('summary', summary(results))

// the tables as the repository's formatter lays them out, so `pnpm lint` stays clean
execFileSync('npx', ['biome', 'format', '--write', ...written], { cwd: root, stdio: 'inherit' })
