/**
 * Runs the hf suite alone and writes `benchmarks/results/hf.json`:
 *   cd benchmarks && npx tsx --conditions=@sd/source hf/main.ts [--quick]
 */
import { toMarkdown, writeResult } from '../lib/suite.ts'
import { hfSuite } from './suite.ts'

const quick = process.argv.includes('--quick')
const result = await hfSuite({ quick, log: (line) => console.log(`  ${line}`) })
console.log(`\n${toMarkdown(result)}\n`)
if (!quick) console.log(`results: ${writeResult(result)}`)
