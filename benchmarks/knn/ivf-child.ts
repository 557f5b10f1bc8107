/**
 * Searches a saved IVF index in a fresh process (it reads the probed lists from the CAR by
 * position), for peak RSS and recall: prints `{ peakRssMb, seconds, records, queriesPerSecond, recall }`.
 *
 *   tsx --conditions=@sd/source ivf-child.ts <index.car> <queries.npy> <truth.json> <k> <nprobe>
 */
import { readFileSync } from 'node:fs'
import { IvfIndex } from '@sd/knn'
import { peakRssMb } from '../lib/rss.ts'
import { readAll } from './data.ts'

const [path, queriesPath, truthPath, kArg, nprobeArg] = process.argv.slice(2)
if (!path || !queriesPath || !truthPath)
  throw new Error('usage: ivf-child.ts <car> <queries.npy> <truth.json> <k> <nprobe>')
const k = Number(kArg)
const nprobe = Number(nprobeArg)
const queries = readAll(queriesPath)
const truth = JSON.parse(readFileSync(truthPath, 'utf8')) as number[][]
const index = await IvfIndex.load(path, { workers: 0 })
await index.searchBatch(queries.subarray(0, 8 * index.dimension), k, { nprobe }) // warm-up
const t0 = performance.now()
const hits = await index.searchBatch(queries, k, { nprobe })
const seconds = (performance.now() - t0) / 1000
let found = 0
hits.forEach((q, i) => {
  const want = new Set(truth[i])
  found += q.filter((h) => want.has(h.index)).length
})
const records = index.rowCount
await index.close()
console.log(
  JSON.stringify({
    peakRssMb: peakRssMb(),
    seconds,
    records,
    queriesPerSecond: hits.length / seconds,
    recall: found / (hits.length * k),
  }),
)
