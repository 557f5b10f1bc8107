/**
 * One scan of a vector file in a fresh process, for peak RSS: prints `{ peakRssMb, seconds, records }`.
 *
 *   tsx --conditions=@sd/source scan-child.ts <mode> <path> <dimension> <pageCacheMb>
 *
 * Every mode adds up every value of the file. Ours: `mmap-batches` and `pread-batches`
 * (`iterBatches(10k)`), `pread-get` (`get(i)` over every row, through the page cache),
 * `read-rows` (`readRows` in tiles of 10k rows into one buffer, as an index scans a
 * `VectorSource`), `dataset` (a `loadVectors` pass in 10k-row batches). Peers: `read-whole`
 * (`fs.readSync` of the whole file) and `read-chunks` (`fs.readSync` of 10k rows at a time into one
 * reused buffer).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import { loadMemoryMappedVectors, loadVectors } from '@sd/mmap-vectors'
import { peakRssMb } from '../lib/rss.ts'

const BATCH = 10_000
const [mode, path, dimArg, cacheArg] = process.argv.slice(2)
if (!mode || !path) throw new Error('usage: scan-child.ts <mode> <path> <dimension> <pageCacheMb>')
const dimension = Number(dimArg)
const pageCacheMb = Number(cacheArg)
const t0 = performance.now()
let records = 0
let sink = 0
// a local sum added once per call (see suite.ts): a per-value `sink +=` boxes a heap number per value
const sum = (values: Float32Array) => {
  let s = 0
  for (let i = 0; i < values.length; i++) s += values[i] as number
  sink += s
}

if (mode === 'read-whole' || mode === 'read-chunks') {
  const fd = openSync(path, 'r')
  const size = fstatSync(fd).size
  const chunk = mode === 'read-whole' ? size : BATCH * dimension * 4
  const buffer = Buffer.allocUnsafeSlow(chunk)
  const floats = new Float32Array(buffer.buffer, 0, chunk / 4)
  for (let at = 0; at < size; at += chunk) {
    const want = Math.min(chunk, size - at)
    for (let done = 0; done < want; ) done += readSync(fd, buffer, done, want - done, at + done)
    sum(floats.subarray(0, want / 4))
  }
  closeSync(fd)
  records = size / 4 / dimension
} else if (mode === 'dataset') {
  for await (const batch of loadVectors(path, { dimension, batchSize: BATCH })) {
    sum(batch.column('vector') as Float32Array)
    records += batch.numRows
  }
} else {
  const backend = mode.startsWith('mmap') ? 'mmap' : mode.startsWith('pread') ? 'pread' : 'auto'
  const vectors = loadMemoryMappedVectors(path, { dimension, backend, pageCacheMb })
  if (mode === 'pread-get') {
    for (let i = 0; i < vectors.length; i++) sum(vectors.get(i))
    records = vectors.length
  } else if (mode === 'read-rows') {
    const tile = new Float32Array(BATCH * dimension)
    for (let start = 0; start < vectors.length; start += BATCH) {
      const n = vectors.readRows(start, start + BATCH, tile)
      sum(tile.subarray(0, n * dimension))
      records += n
    }
  } else {
    for (const batch of vectors.iterBatches(BATCH)) {
      sum(batch)
      records += batch.length / dimension
    }
  }
  vectors.close()
}
if (Number.isNaN(sink)) throw new Error('the scan read NaN')
console.log(JSON.stringify({ peakRssMb: peakRssMb(), seconds: (performance.now() - t0) / 1000, records }))
