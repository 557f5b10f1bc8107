/**
 * Runs benchmark suites and writes their results to `benchmarks/results/<suite>.json`.
 *
 *   pnpm --filter @sd/benchmarks bench            # every suite
 *   pnpm --filter @sd/benchmarks bench core csv   # the named suites
 *   pnpm --filter @sd/benchmarks bench --quick    # smaller data, results not written
 */

import { toMarkdown, writeResult } from './lib/suite.ts'
import { suites } from './suites.ts'

const args = process.argv.slice(2)
const quick = args.includes('--quick')
const names = args.filter((a) => !a.startsWith('--'))
const selected = names.length > 0 ? names : Object.keys(suites)
const unknown = selected.filter((n) => !(n in suites))
if (unknown.length > 0) {
  console.error(`Unknown suite(s): ${unknown.join(', ')}. Known: ${Object.keys(suites).join(', ')}`)
  process.exit(2)
}
let failed = 0
for (const name of selected) {
  const load = suites[name]
  if (!load) continue
  const suite = await load()
  console.log(`\n## ${name}${quick ? ' (quick)' : ''}\n`)
  const result = await suite({ quick, log: (line) => console.log(`  ${line}`) })
  console.log(`\n${toMarkdown(result)}\n`)
  if (!quick) console.log(`results: ${writeResult(result)}`)
  failed += result.ratios.filter((r) => !r.pass).length
}
if (failed > 0) console.log(`\n${failed} target(s) missed in this run`)
