import { loadCsv } from '@sd/csv'
import { csvFile, defaultDataDir } from './lib/data.ts'
const file = csvFile(defaultDataDir(), 1_000_000)
for (let r = 0; r < 12; r++) {
  const t = performance.now()
  let n = 0
  for await (const b of loadCsv(file, { cacheEnabled: false, prefetchBatches: 0 })) n += b.numRows
  console.log(n, (performance.now() - t).toFixed(0))
}
