/** Runs the mmap-vectors suite alone: `npx tsx --conditions=@sd/source mmap-vectors/main.ts [--quick]`. */
import { toMarkdown, writeResult } from '../lib/suite.ts'
import { mmapVectorsSuite } from './suite.ts'

const quick = process.argv.includes('--quick')
const result = await mmapVectorsSuite({ quick, log: (line) => console.log(line) })
console.log(`\n${toMarkdown(result)}\n`)
if (!quick) console.log(`results: ${writeResult(result)}`)
