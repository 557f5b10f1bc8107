import { loadCsv } from '@sd/csv'
import { csvFile, defaultDataDir } from './lib/data.ts'

const file = csvFile(defaultDataDir(), 1_000_000)
async function ours(workers: number | 'auto') {
  let n = 0,
    s = 0
  for await (const b of loadCsv(file, { cacheEnabled: false, workers })) {
    n += b.numRows
    const id = b.column('id') as Int32Array
    for (let i = 0; i < id.length; i++) s += id[i]!
  }
  return [n, s]
}
console.log(await ours(0), await ours(2))
for (let r = 0; r < 5; r++)
  for (const w of [0, 2] as const) {
    const t = performance.now()
    await ours(w)
    console.log(w, (performance.now() - t).toFixed(0))
  }
