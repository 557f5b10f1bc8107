/**
 * @sd/mmap-vectors against plain `fs` reads, on float32 vector files in the page cache
 * (1M x 128 = 512 MB and 4M x 128 = 2 GiB; `--quick`: 200k and 800k rows, still larger than the
 * 64 MiB page cache). Every consumer adds up every value it gets.
 *
 * 1. Sequential (the smaller file): `iterBatches(10_000)` on both backends and `readRows` tiles
 *    against `fs.readSync` of the whole file into one buffer viewed as a Float32Array. Target: at
 *    least 0.8x the throughput.
 * 2. Random rows: `get(i)` and `readInto(i, out)` against one positional read (`fs.readSync`) per
 *    row, into a fresh array (what `get` returns) or a reused buffer (what `readInto` fills),
 *    without a cache. Target: `get` on the mmap backend at least 4x faster (and `readInto`, which
 *    copies the whole row, at least 2x faster than a read into a reused buffer).
 * 3. Peak RSS of full scans in fresh processes, for both file sizes (`scans.ts`). Targets: ours
 *    grows at most 1.15x from the smaller file to the 4x larger one, and stays under 2x the page
 *    cache + 64 MiB.
 */
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs'
import { isMmapAvailable, loadMemoryMappedVectors } from '@sd/mmap-vectors'
import { defaultDataDir, vectorFile } from '../lib/data.ts'
import { type Measurement, machineInfo, type RatioCheck, ratioCheck, type Suite } from '../lib/suite.ts'
import { timeTasks } from '../lib/timing.ts'
import { rssScans } from './scans.ts'

const DIM = 128
const BATCH = 10_000

export const mmapVectorsSuite: Suite = async (options) => {
  const log = options.log ?? (() => undefined)
  if (!isMmapAvailable())
    throw new Error(
      'the mmap-vectors suite needs the native addon: pnpm --filter @sd/mmap-vectors build:native',
    )
  const rows = options.quick ? 200_000 : 1_000_000
  const largeRows = rows * 4
  const lookups = options.quick ? 50_000 : 200_000
  // the same cache in both runs: a fresh tsx process alone takes ~85 MiB, so a much smaller cache
  // would measure the runtime rather than the scan
  const pageCacheMb = 64
  const dataDir = options.dataDir ?? defaultDataDir()
  const path = vectorFile(dataDir, rows, DIM)
  const largePath = vectorFile(dataDir, largeRows, DIM)
  const size = statSync(path).size
  const mb = size / 1e6
  const dataset = `${rows / 1e6}M x ${DIM} float32 (${Math.round(mb)} MB, page cache)`
  readFileSync(path) // into the page cache
  let sink = 0
  // sums into a local and adds once per call, as every suite's consumer does: adding each value to
  // the captured `sink` boxes a heap number per value (~10 ns), which would time the allocator
  const everyValue = (batch: Float32Array) => {
    let s = 0
    for (let i = 0; i < batch.length; i++) s += batch[i] as number
    sink += s
  }
  const tile = new Float32Array(BATCH * DIM)

  log('sequential: iterBatches vs fs.readSync of the whole file')
  const mmap = loadMemoryMappedVectors(path, { dimension: DIM, backend: 'mmap' })
  const pread = loadMemoryMappedVectors(path, { dimension: DIM, backend: 'pread', pageCacheMb })
  const sequential = await timeTasks(
    {
      'fs.readSync whole file': () => {
        const fd = openSync(path, 'r')
        const buffer = Buffer.allocUnsafeSlow(size)
        for (let done = 0; done < size; ) done += readSync(fd, buffer, done, size - done, done)
        closeSync(fd)
        everyValue(new Float32Array(buffer.buffer, 0, size / 4))
      },
      'iterBatches mmap': () => {
        for (const batch of mmap.iterBatches(BATCH)) everyValue(batch)
      },
      'iterBatches pread': () => {
        for (const batch of pread.iterBatches(BATCH)) everyValue(batch)
      },
      'for await iterBatches pread': async () => {
        for await (const batch of pread.iterBatches(BATCH)) everyValue(batch)
      },
      'readRows mmap': () => {
        for (let start = 0; start < rows; start += BATCH) {
          everyValue(tile.subarray(0, mmap.readRows(start, start + BATCH, tile) * DIM))
        }
      },
    },
    { iterations: options.quick ? 3 : 8, warmupIterations: 2, rounds: options.quick ? 1 : 3 },
  )

  log('random rows: get / readInto vs one positional read per row')
  const indexes = new Int32Array(lookups)
  let seed = 12345
  for (let k = 0; k < lookups; k++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
    indexes[k] = seed % rows
  }
  const fd = openSync(path, 'r')
  const reused = new Float32Array(DIM)
  const random = await timeTasks(
    {
      'fs.readSync per row, fresh array': () => {
        for (let k = 0; k < lookups; k++) {
          const row = new Float32Array(DIM)
          readSync(fd, row, 0, DIM * 4, (indexes[k] as number) * DIM * 4)
          everyValue(row)
        }
      },
      'fs.readSync per row, reused buffer': () => {
        for (let k = 0; k < lookups; k++) {
          readSync(fd, reused, 0, DIM * 4, (indexes[k] as number) * DIM * 4)
          everyValue(reused)
        }
      },
      'get mmap': () => {
        for (let k = 0; k < lookups; k++) everyValue(mmap.get(indexes[k] as number))
      },
      'readInto mmap': () => {
        for (let k = 0; k < lookups; k++) everyValue(mmap.readInto(indexes[k] as number, reused))
      },
      'get pread': () => {
        for (let k = 0; k < lookups; k++) everyValue(pread.get(indexes[k] as number))
      },
      'readInto pread': () => {
        for (let k = 0; k < lookups; k++) everyValue(pread.readInto(indexes[k] as number, reused))
      },
    },
    { iterations: options.quick ? 3 : 5, warmupIterations: 1, rounds: options.quick ? 1 : 2 },
  )
  const preadCache = pread.cacheStats()
  closeSync(fd)
  mmap.close()
  pread.close()
  if (Number.isNaN(sink)) throw new Error('the consumers read NaN')

  const measurements: Measurement[] = []
  const seq = (name: string, task: string) => {
    const t = sequential[task]
    if (!t) throw new Error(`missing timing ${task}`)
    measurements.push({
      name,
      dataset,
      seconds: t.p50Ms / 1000,
      recordsPerSecond: rows / (t.p50Ms / 1000),
      mbPerSecond: mb / (t.p50Ms / 1000),
      extra: { batchSize: BATCH },
    })
    return t.p50Ms
  }
  const whole = seq('fs.readSync of the whole file + Float32Array view', 'fs.readSync whole file')
  const seqMmap = seq('iterBatches(10k), mmap', 'iterBatches mmap')
  const seqPread = seq('iterBatches(10k), pread', 'iterBatches pread')
  const seqPreadAsync = seq('for await iterBatches(10k), pread', 'for await iterBatches pread')
  const seqReadRows = seq('readRows tiles of 10k into one buffer, mmap backend', 'readRows mmap')
  const lookup = (name: string, task: string) => {
    const t = random[task]
    if (!t) throw new Error(`missing timing ${task}`)
    const us = (t.p50Ms * 1000) / lookups
    measurements.push({
      name,
      dataset: `${lookups / 1000}k random rows of ${rows / 1e6}M`,
      seconds: t.p50Ms / 1000,
      recordsPerSecond: lookups / (t.p50Ms / 1000),
      extra: { usPerRow: Number(us.toFixed(3)) },
    })
    return t.p50Ms
  }
  const freshRead = lookup(
    'fs.readSync per row into a fresh array (no cache)',
    'fs.readSync per row, fresh array',
  )
  const reusedRead = lookup(
    'fs.readSync per row into a reused buffer (no cache)',
    'fs.readSync per row, reused buffer',
  )
  const getMmap = lookup('get(i), mmap (a view)', 'get mmap')
  const intoMmap = lookup('readInto(i, out), mmap', 'readInto mmap')
  lookup(`get(i), pread (${pageCacheMb} MiB page cache, a copy)`, 'get pread')
  lookup(`readInto(i, out), pread (${pageCacheMb} MiB page cache)`, 'readInto pread')
  const ratios: RatioCheck[] = [
    ratioCheck('sequential iterBatches mmap / fs.readSync whole file (throughput)', whole / seqMmap, {
      min: 0.8,
    }),
    ratioCheck('sequential iterBatches pread / fs.readSync whole file (throughput)', whole / seqPread, {
      min: 0.8,
    }),
    ratioCheck('sequential for await iterBatches pread / fs.readSync whole file', whole / seqPreadAsync, {
      min: 0.8,
    }),
    ratioCheck('sequential readRows tiles / fs.readSync whole file (throughput)', whole / seqReadRows, {
      min: 0.8,
    }),
    ratioCheck('random get mmap speed-up over fs.readSync per row (fresh array)', freshRead / getMmap, {
      min: 4,
    }),
    ratioCheck(
      'random readInto mmap speed-up over fs.readSync per row (reused buffer)',
      reusedRead / intoMmap,
      {
        min: 2,
      },
    ),
  ]
  const mb1 = (n: number) => `${n / 1e6}M x ${DIM} float32 (${Math.round((n * DIM * 4) / 1e6)} MB)`
  const scans = await rssScans(
    [
      { path, rows, label: mb1(rows) },
      { path: largePath, rows: largeRows, label: mb1(largeRows) },
    ],
    DIM,
    pageCacheMb,
    log,
  )
  measurements.push(...scans.measurements)
  ratios.push(...scans.ratios)

  return {
    suite: 'mmap-vectors',
    ranAt: new Date().toISOString(),
    machine: machineInfo(),
    command: `pnpm --filter @sd/benchmarks bench mmap-vectors${options.quick ? ' --quick' : ''}`,
    measurements,
    ratios,
    notes: [
      'Every consumer adds up every value it gets (sequential: every value of the file; random: every value of each row).',
      `pread page cache after the random runs: hit ratio ${preadCache?.hitRatio.toFixed(3)} (${pageCacheMb} MiB of a ${Math.round(mb)} MB file).`,
      'A fresh tsx child process starts at about 85 MiB RSS before it reads anything.',
    ],
  }
}
