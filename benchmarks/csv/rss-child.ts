/**
 * Child process of the CSV suite: reads one file through `loadCsv` and prints its peak RSS.
 *   node --import tsx rss-child.ts <file> <workers: 0 | auto>
 */
import { loadCsv } from '@sd/csv'
import { peakRssMb } from '../lib/rss.ts'
import { consumeBatch } from '../parquet/consume.ts'

const [file, workers] = process.argv.slice(2)
if (!file) throw new Error('usage: rss-child.ts <file> <workers>')
const start = performance.now()
let records = 0
let sink = 0
for await (const batch of loadCsv(file, {
  cacheEnabled: false,
  workers: workers === 'auto' ? 'auto' : Number(workers ?? 0),
})) {
  records += batch.numRows
  sink += consumeBatch(batch)
}
const seconds = (performance.now() - start) / 1000
console.log(JSON.stringify({ peakRssMb: peakRssMb(), seconds, records, sink }))
