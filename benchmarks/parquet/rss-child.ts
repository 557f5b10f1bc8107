/**
 * Reads one Parquet file in a fresh process and prints `{ peakRssMb, seconds, records }`:
 *
 *   rss-child.ts <file> sd-columns|sd-columns-cached|raw-row-groups|raw-whole-file
 *
 * `sd-columns` streams columnar batches with the decoded-batch cache off (streaming memory only);
 * `sd-columns-cached` uses the default options; `raw-row-groups` is hyparquet `onChunk` one row
 * group at a time; `raw-whole-file` is one `parquetRead` over the whole file.
 */
import { loadParquet } from '@sd/parquet'
import { peakRssMb } from '../lib/rss.ts'
import { openRaw, readRawChunks } from './raw.ts'

const [file, mode] = process.argv.slice(2)
if (!file || !mode) throw new Error('usage: rss-child.ts <file> <mode>')

const start = performance.now()
let records = 0
if (mode === 'sd-columns' || mode === 'sd-columns-cached') {
  const ds = loadParquet(file, mode === 'sd-columns' ? { cacheEnabled: false } : {})
  for await (const batch of ds) records += batch.numRows
} else if (mode === 'raw-row-groups' || mode === 'raw-whole-file') {
  const raw = await openRaw(file)
  records = await readRawChunks(
    raw,
    mode === 'raw-whole-file' ? [[0, Number(raw.metadata.num_rows)]] : raw.groups,
  )
} else {
  throw new Error(`unknown mode ${mode}`)
}
console.log(JSON.stringify({ peakRssMb: peakRssMb(), seconds: (performance.now() - start) / 1000, records }))
