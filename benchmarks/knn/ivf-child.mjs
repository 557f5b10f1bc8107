// Searches a saved IVF index in a fresh plain Node process (no TypeScript loader: @sd/knn from its
// compiled dist/, as an application runs it), for queries/s, recall and peak RSS. It reads the probed
// lists from the CAR by position. Prints one JSON line:
// `{ peakRssMb, startRssMb, seconds, records, queriesPerSecond, recall, runs }`.
//
//   node ivf-child.mjs <index.car> <queries.npy> <truth.json> <k> <nprobe> <workers> <runs>
import { readFileSync } from 'node:fs'
import { IvfIndex } from '@sd/knn'

/** Peak RSS of this process so far, in MiB (VmHWM; see lib/peak-rss.ts). */
function peakRssMb() {
  const hwm = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]
  return hwm === undefined ? process.resourceUsage().maxRSS / 1024 : Number(hwm) / 1024
}

/** The float32 rows of a little-endian `.npy` (format 1.0 or 2.0 header). */
function readNpy(path) {
  const bytes = readFileSync(path)
  const major = bytes[6]
  const headerLength = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8)
  const start = (major === 1 ? 10 : 12) + headerLength
  if (!bytes.toString('latin1', start - headerLength, start).includes("'<f4'"))
    throw new Error(`${path} does not hold little-endian float32`)
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset + start, bytes.byteOffset + bytes.length))
}

const startRssMb = process.memoryUsage().rss / 2 ** 20
const [path, queriesPath, truthPath, kArg, nprobeArg, workersArg, runsArg] = process.argv.slice(2)
if (!path || !queriesPath || !truthPath)
  throw new Error('usage: ivf-child.mjs <car> <queries.npy> <truth.json> <k> <nprobe> <workers> <runs>')
const k = Number(kArg)
const nprobe = Number(nprobeArg)
const runs = Number(runsArg ?? 3)
const queries = readNpy(queriesPath)
const truth = JSON.parse(readFileSync(truthPath, 'utf8'))
const index = await IvfIndex.load(path, { workers: Number(workersArg ?? 0) })
await index.searchBatch(queries, k, { nprobe }) // warm-up (and the workers' start)
const times = []
let hits = []
for (let run = 0; run < runs; run++) {
  const t0 = performance.now()
  hits = await index.searchBatch(queries, k, { nprobe })
  times.push((performance.now() - t0) / 1000)
}
times.sort((a, b) => a - b)
const seconds = times[Math.floor(times.length / 2)]
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
    startRssMb,
    seconds,
    records,
    queriesPerSecond: hits.length / seconds,
    recall: found / (hits.length * k),
    runs,
  }),
)
