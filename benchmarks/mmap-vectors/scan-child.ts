/**
 * One scan of a vector file in a fresh process, for peak RSS: prints `{ peakRssMb, seconds, records }`.
 *
 *   tsx --conditions=@sd/source scan-child.ts <mode> <path> <dimension> <cacheMb>
 *
 * Modes: `mmap-batches` and `pread-batches` (`iterBatches`), `pread-get` (`get(i)` over every row,
 * through the page cache), `read-whole` (the peer: `fs.readSync` of the whole file).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import { loadMemoryMappedVectors } from '@sd/mmap-vectors'
import { peakRssMb } from '../lib/rss.ts'

const [mode, path, dimArg, cacheArg] = process.argv.slice(2)
if (!mode || !path) throw new Error('usage: scan-child.ts <mode> <path> <dimension> <cacheMb>')
const dimension = Number(dimArg)
const pageCacheMb = Number(cacheArg)
const t0 = performance.now()
let records = 0
let sink = 0

if (mode === 'read-whole') {
  const fd = openSync(path, 'r')
  const size = fstatSync(fd).size
  const buffer = Buffer.allocUnsafeSlow(size)
  for (let done = 0; done < size; ) done += readSync(fd, buffer, done, size - done, done)
  closeSync(fd)
  const all = new Float32Array(buffer.buffer, 0, size / 4)
  for (let i = 0; i < all.length; i += dimension) sink += all[i] as number
  records = all.length / dimension
} else {
  const backend = mode.startsWith('mmap') ? 'mmap' : 'pread'
  const vectors = loadMemoryMappedVectors(path, { dimension, backend, pageCacheMb })
  if (mode === 'pread-get') {
    for (let i = 0; i < vectors.length; i++) sink += vectors.get(i)[0] as number
    records = vectors.length
  } else {
    for (const batch of vectors.iterBatches(10_000)) {
      for (let i = 0; i < batch.length; i += dimension) sink += batch[i] as number
      records += batch.length / dimension
    }
  }
  vectors.close()
}
if (Number.isNaN(sink)) throw new Error('the scan read NaN')
console.log(JSON.stringify({ peakRssMb: peakRssMb(), seconds: (performance.now() - t0) / 1000, records }))
