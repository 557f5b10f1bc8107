/**
 * Runs the Parquet suite alone (until the harness registers it):
 *
 *   cd benchmarks && npx tsx --conditions=@sd/source parquet/main.ts [--quick]
 */
import { toMarkdown, writeResult } from '../lib/suite.ts'
import { parquetSuite } from './suite.ts'

const quick = process.argv.includes('--quick')
const result = await parquetSuite({ quick, log: (line) => console.log(`  ${line}`) })
console.log(`\n${toMarkdown(result)}\n`)
if (!quick) console.log(`results: ${writeResult(result)}`)
