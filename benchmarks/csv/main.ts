/**
 * Runs the CSV suite alone and writes `benchmarks/results/csv.json`:
 *   cd benchmarks && npx tsx --conditions=@sd/source csv/main.ts [--quick]
 */
import { toMarkdown, writeResult } from '../lib/suite.ts'
import { csvSuite } from './suite.ts'

const quick = process.argv.includes('--quick')
const result = {
  ...(await csvSuite({ quick, log: (line) => console.log(`  ${line}`) })),
  command: `cd benchmarks && npx tsx --conditions=@sd/source csv/main.ts${quick ? ' --quick' : ''}`,
}
console.log(`\n${toMarkdown(result)}\n`)
if (!quick) console.log(`results: ${writeResult(result)}`)
