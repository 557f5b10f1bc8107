import { loadParquet } from '@sd/parquet'
const file = process.argv[2] ?? '/tmp/pq/d5-snappy-5000000.parquet'
let sink = 0
function consume(batch: any) {
  for (const d of batch.columns() as any[]) {
    if (d.kind === 'fixed') { const v = d.values instanceof BigInt64Array ? new Float64Array(d.values.buffer, d.values.byteOffset, d.values.length) : d.values; let s = 0; for (let i = 0; i < v.length; i++) s += v[i]; sink += s }
    else if (d.kind === 'dictionary') { const o = d.dictionary.offsets, idx = d.indices; let s = 0; for (let i = 0; i < d.length; i++) s += o[idx[i] + 1] - o[idx[i]]; sink += s }
    else if (d.kind === 'utf8') { const o = d.offsets; sink += o[d.length] - o[0] }
    else if (d.kind === 'bool') { let s = 0; for (let i = 0; i < d.bits.length; i++) s += d.bits[i]; sink += s }
  }
}
for (let round = 0; round < 3; round++) {
  for (const workers of [0, 2]) for (const batchSize of [10000, 65536]) {
    const t0 = performance.now(); const c0 = process.cpuUsage(); let first = 0; let rows = 0
    for await (const b of loadParquet(file, { batchSize, workers, cacheEnabled: false })) { if (!first) first = performance.now() - t0; rows += b.numRows; consume(b) }
    const s = (performance.now() - t0) / 1000
    const c = process.cpuUsage(c0)
    console.log(`workers ${workers} batch ${batchSize}: ${(rows / s / 1e6).toFixed(2)} M rows/s, cpu ${((c.user + c.system) / 1e6).toFixed(2)} s, wall ${s.toFixed(2)} s, first ${first.toFixed(1)} ms`)
  }
}
