/**
 * @sd/car against ipfs-car, @ipld/car and the original system's batch export, all in one run.
 *
 * 1. Pack a 512 MiB file (unixfs-v1-2025) with `packFile` vs ipfs-car's `createFileEncoderStream`
 *    (+ `CAREncoderStream` and `CarWriter.updateRootsInFile`, as `ipfs-car pack` does); both give
 *    the same file CID. Targets: at least 1.5x ipfs-car, and at least 450 MiB/s.
 * 2. Verify-read the packed CAR: `openCar(...).verify()` (every block hashed, the DAG walked for
 *    missing blocks) vs `CarBlockIterator` over a file stream + sha2-256 of every block. Targets: at
 *    least 0.9x, and at least 700 MiB/s.
 * 3. Peak RSS of `packFile` on a 512 MiB and a 2 GiB file, each in a fresh process. Target: under
 *    200 MiB for 2 GiB. (`--quick` packs 64 and 256 MiB.)
 * 4. `writeCar` of the 5M-row, 5-column benchmark dataset (in memory, 100k-row batches) vs one
 *    dag-cbor block per row written with `CarWriter` (the original system's export), timed on
 *    100k rows and scaled to 5M. Target: at least 5x.
 * Runs are interleaved in rounds and ratios are medians of per-round pairs.
 */
import { rmSync, statSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { join } from 'node:path'
import { openCar, packFile, writeCar } from '@sd/car'
import type { RecordBatch } from '@sd/core'
import { defaultDataDir } from '../lib/data.ts'
import { runChild } from '../lib/rss.ts'
import { type Measurement, machineInfo, type RatioCheck, ratioCheck, type Suite } from '../lib/suite.ts'
import { pairedRatio, type Timing, timeTasks } from '../lib/timing.ts'
import { benchBatch, randomFile } from './data.ts'
import { ipfsCarPack, iteratorVerify, rowBlocksCar } from './peers.ts'

const MIB = 1 << 20

/** CPU seconds (every thread of the process: main, workers, I/O) each task used, summed over its runs. */
const cpu = new Map<string, { seconds: number; runs: number }>()

/** `tasks`, each also counting the CPU time it uses (robust where wall time is not: on a shared machine). */
function counted(tasks: Record<string, () => Promise<void>>): Record<string, () => Promise<void>> {
  return Object.fromEntries(
    Object.entries(tasks).map(([name, fn]) => [
      name,
      async () => {
        const before = process.cpuUsage()
        await fn()
        const used = process.cpuUsage(before)
        const entry = cpu.get(name) ?? { seconds: 0, runs: 0 }
        entry.seconds += (used.user + used.system) / 1e6
        entry.runs++
        cpu.set(name, entry)
      },
    ]),
  )
}

/** CPU seconds per run of a task. */
function cpuPerRun(name: string): number {
  const entry = cpu.get(name)
  return entry ? entry.seconds / entry.runs : Number.NaN
}
const PACK = 'sd packFile (unixfs-v1-2025)'
const IPFS_CAR = 'ipfs-car createFileEncoderStream + CAREncoderStream'
const VERIFY = 'sd openCar().verify()'
const ITERATOR = '@ipld/car CarBlockIterator + sha2-256'
const WRITE_CAR = 'sd writeCar (batch layout)'
const PER_ROW = 'one dag-cbor block per row (CarWriter)'

export const carSuite: Suite = async (options) => {
  const log = options.log ?? (() => undefined)
  const dataDir = join(options.dataDir ?? defaultDataDir(), 'car')
  const quick = options.quick === true
  const packMib = quick ? 64 : 512
  const rssMib = quick ? [64, 256] : [512, 2048]
  const rows = quick ? 500_000 : 5_000_000
  const peerRows = quick ? 20_000 : 100_000
  const measurements: Measurement[] = []
  const ratios: RatioCheck[] = []
  const notes: string[] = []
  const loadBefore = loadavg()[0] ?? 0

  // 1. pack
  log(`packing a ${packMib} MiB file`)
  const file = randomFile(dataDir, packMib)
  const ours = join(dataDir, 'sd.car')
  const theirs = join(dataDir, 'ipfs-car.car')
  let sdRoot = ''
  let peerRoot = ''
  const pack = await timeTasks(
    counted({
      [PACK]: async () => {
        sdRoot = (await packFile(file, ours)).file.toString()
      },
      [IPFS_CAR]: async () => {
        peerRoot = await ipfsCarPack(file, theirs)
      },
    }),
    { iterations: quick ? 1 : 2, warmupIterations: 1, rounds: quick ? 2 : 4 },
  )
  if (sdRoot !== peerRoot) throw new Error(`the file CIDs differ: sd ${sdRoot}, ipfs-car ${peerRoot}`)
  notes.push(
    `Both packers give the file CID ${sdRoot} for the ${packMib} MiB file (unixfs-v1-2025: CIDv1, raw leaves, 1 MiB chunks, 1024 links).`,
  )
  record(measurements, pack, `${packMib} MiB file`, packMib)
  const packRate = packMib / ((pack[PACK] as Timing).p50Ms / 1000)
  ratios.push(
    ratioCheck(
      `pack: sd / ipfs-car speed (${packMib} MiB)`,
      1 / pairedRatio(pack[PACK] as Timing, pack[IPFS_CAR] as Timing),
      { min: 1.5 },
    ),
    ratioCheck(`pack: sd MiB/s (${packMib} MiB)`, packRate, { min: 450 }),
  )
  rmSync(theirs, { force: true })

  // 2. verify-read
  log('verify-reading the CAR')
  const carMib = statSync(ours).size / MIB
  const verify = await timeTasks(
    counted({
      [VERIFY]: async () => {
        const car = await openCar(ours)
        try {
          const report = await car.verify()
          if (!report.ok) throw new Error('verify failed')
        } finally {
          await car.close()
        }
      },
      [ITERATOR]: async () => {
        await iteratorVerify(ours)
      },
    }),
    { iterations: quick ? 2 : 3, warmupIterations: 1, rounds: quick ? 2 : 4 },
  )
  record(measurements, verify, `${Math.round(carMib)} MiB CAR`, carMib)
  ratios.push(
    ratioCheck(
      `verify-read: sd / CarBlockIterator speed (${packMib} MiB)`,
      1 / pairedRatio(verify[VERIFY] as Timing, verify[ITERATOR] as Timing),
      {
        min: 0.9,
      },
    ),
    ratioCheck(`verify-read: sd MiB/s (${packMib} MiB)`, carMib / ((verify[VERIFY] as Timing).p50Ms / 1000), {
      min: 700,
    }),
  )
  rmSync(ours, { force: true })
  rmSync(`${ours}.idx`, { force: true })

  // 3. peak RSS
  for (const mib of rssMib) {
    log(`peak RSS packing ${mib} MiB`)
    const big = randomFile(dataDir, mib)
    const report = await runChild(new URL('./rss-child.ts', import.meta.url), [big, join(dataDir, 'rss.car')])
    measurements.push({
      name: 'sd packFile, fresh process',
      dataset: `${mib} MiB file`,
      seconds: report.seconds,
      mbPerSecond: Number(report.mibPerSecond) * 1.048576,
      peakRssMb: report.peakRssMb,
    })
    ratios.push(ratioCheck(`pack peak RSS MiB (${mib} MiB file)`, report.peakRssMb, { max: 200 }))
  }

  // 4. batch layout
  log(`writeCar of ${rows / 1e6}M rows x 5 columns`)
  const batches: RecordBatch[] = []
  for (let start = 0; start < rows; start += 100_000)
    batches.push(benchBatch(start, Math.min(100_000, rows - start)))
  const peerRowsData = batches[0]?.slice(0, peerRows).rows() ?? []
  const writeCarPath = join(dataDir, 'batches.car')
  const perRowPath = join(dataDir, 'rows.car')
  const write = await timeTasks(
    {
      [WRITE_CAR]: async () => {
        await writeCar(batches, writeCarPath)
      },
      [PER_ROW]: async () => {
        await rowBlocksCar(peerRowsData, perRowPath)
      },
    },
    { iterations: 1, warmupIterations: 1, rounds: quick ? 2 : 3 },
  )
  const sd = write[WRITE_CAR] as Timing
  const peer = write[PER_ROW] as Timing
  measurements.push(
    {
      name: WRITE_CAR,
      dataset: `${rows / 1e6}M rows x 5 columns`,
      seconds: sd.p50Ms / 1000,
      recordsPerSecond: rows / (sd.p50Ms / 1000),
    },
    {
      name: `${PER_ROW}, ${peerRows / 1000}k rows`,
      dataset: `${peerRows / 1000}k rows x 5 columns`,
      seconds: peer.p50Ms / 1000,
      recordsPerSecond: peerRows / (peer.p50Ms / 1000),
      extra: { scaledSecondsFor5M: (peer.p50Ms / 1000) * (rows / peerRows) },
    },
  )
  ratios.push(
    ratioCheck(
      `batch layout: writeCar / one block per row speed (${rows / 1e6}M rows, per-row timed on ${peerRows / 1000}k and scaled)`,
      rows / peerRows / pairedRatio(sd, peer),
      { min: 5 },
    ),
  )
  rmSync(writeCarPath, { force: true })
  rmSync(`${writeCarPath}.idx`, { force: true })
  rmSync(perRowPath, { force: true })
  notes.push(
    'MiB/s checks hold the rate itself in the ratio column; RSS checks hold MiB.',
    `Load average (1 min) at the start and end of the run: ${loadBefore.toFixed(1)} and ${(loadavg()[0] ?? 0).toFixed(1)} on ${cpus().length} cores; wall-clock figures mean little when it is above the core count.`,
    `CPU seconds per run (every thread of the process), which a busy machine disturbs less than wall time: pack ${cpuPerRun(PACK).toFixed(2)} (sd) vs ${cpuPerRun(IPFS_CAR).toFixed(2)} (ipfs-car); verify-read ${cpuPerRun(VERIFY).toFixed(2)} (sd) vs ${cpuPerRun(ITERATOR).toFixed(2)} (CarBlockIterator).`,
    "sd packFile hashes the file twice (each leaf for its CID, and the whole file for the manifest's sha2-256, the latter on a worker thread beside the main thread); ipfs-car hashes once.",
  )

  return {
    suite: 'car',
    ranAt: new Date().toISOString(),
    machine: machineInfo(),
    command: `pnpm --filter @sd/benchmarks bench car${quick ? ' --quick' : ''}`,
    measurements,
    ratios,
    notes,
  }
}

function record(
  measurements: Measurement[],
  timings: Record<string, Timing>,
  dataset: string,
  mib: number,
): void {
  for (const [name, timing] of Object.entries(timings)) {
    const seconds = timing.p50Ms / 1000
    measurements.push({
      name,
      dataset,
      seconds,
      mbPerSecond: (mib * 1.048576) / seconds,
      extra: { samples: timing.samples, mibPerSecond: mib / seconds },
    })
  }
}
