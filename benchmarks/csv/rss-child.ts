/**
 * Child process of the CSV suite: reads one file through `loadCsv` and prints its peak RSS.
 *   node --import tsx rss-child.ts <file> <cacheEnabled: true|false>
 */
import { loadCsv } from '@sd/csv'
import { peakRssMb } from '../lib/rss.ts'

const [file, cache] = process.argv.slice(2)
if (!file) throw new Error('usage: rss-child.ts <file> <cacheEnabled>')
const start = performance.now()
let records = 0
for await (const batch of loadCsv(file, { cacheEnabled: cache === 'true' })) records += batch.numRows
const seconds = (performance.now() - start) / 1000
console.log(JSON.stringify({ peakRssMb: peakRssMb(), seconds, records }))
