import { loadParquet } from '@sd/parquet'
const file = process.argv[2] ?? '/tmp/pq/d5-snappy-5000000.parquet'
const batchSize = Number(process.argv[3] ?? 65536)
let sink = 0
const c0 = process.cpuUsage()
let rows = 0
for (let pass = 0; pass < 3; pass++) for await (const batch of loadParquet(file, { batchSize, cacheEnabled: false })) {
  rows += batch.numRows
  for (const d of batch.columns() as any[]) {
    if (d.kind === 'fixed') { const v = d.values instanceof BigInt64Array ? new Float64Array(d.values.buffer, d.values.byteOffset, d.values.length) : d.values; let s = 0; for (let i = 0; i < v.length; i++) s += v[i]; sink += s }
    else if (d.kind === 'dictionary') { const o = d.dictionary.offsets, idx = d.indices; let s = 0; for (let i = 0; i < d.length; i++) s += o[idx[i] + 1] - o[idx[i]]; sink += s }
    else if (d.kind === 'utf8') { const o = d.offsets; sink += o[d.length] - o[0] }
    else if (d.kind === 'bool') { let s = 0; for (let i = 0; i < d.bits.length; i++) s += d.bits[i]; sink += s }
  }
}
const c = process.cpuUsage(c0)
console.log(rows, ((rows / ((c.user + c.system) / 1e6)) / 1e6).toFixed(2), 'M rows/cpu-s', sink > 0)
