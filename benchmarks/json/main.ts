/**
 * Runs the JSON suite alone and writes `benchmarks/results/json.json`:
 *   cd benchmarks && npx tsx --conditions=@sd/source json/main.ts [--quick]
 */
import { toMarkdown, writeResult } from '../lib/suite.ts'
import { jsonSuite } from './suite.ts'

const quick = process.argv.includes('--quick')
const result = await jsonSuite({ quick, log: (line) => console.log(`  ${line}`) })
console.log(`\n${toMarkdown(result)}\n`)
if (!quick) console.log(`results: ${writeResult(result)}`)
