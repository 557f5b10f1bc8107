/**
 * Exact search over a `.npy` through `KnnIndex.fromVectors` in a fresh process, for peak RSS:
 * prints `{ peakRssMb, seconds, records, queriesPerSecond }`.
 *
 *   tsx --conditions=@sd/source source-child.ts <vectors.npy> <queries.npy> <k>
 */
import { KnnIndex } from '@sd/knn'
import { loadMemoryMappedVectors } from '@sd/mmap-vectors'
import { peakRssMb } from '../lib/rss.ts'
import { readAll } from './data.ts'

const [path, queriesPath, kArg] = process.argv.slice(2)
if (!path || !queriesPath) throw new Error('usage: source-child.ts <vectors.npy> <queries.npy> <k>')
const queries = readAll(queriesPath)
// positional reads: with the mmap backend the pages its single-row reads touch count as resident
const source = loadMemoryMappedVectors(path, { backend: 'pread' })
const index = KnnIndex.fromVectors(source, { metric: 'euclidean' })
const t0 = performance.now()
const hits = await index.searchBatch(queries, Number(kArg))
const seconds = (performance.now() - t0) / 1000
if (hits.length !== queries.length / source.dimension || hits.some((h) => h.length !== Number(kArg)))
  throw new Error('short results')
const records = source.length
source.close()
console.log(
  JSON.stringify({ peakRssMb: peakRssMb(), seconds, records, queriesPerSecond: hits.length / seconds }),
)
