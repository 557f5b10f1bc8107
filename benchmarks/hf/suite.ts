/**
 * @sd/hf against a local hub (the test suite's hub server, in a process of its own) serving the
 * benchmark Parquet rows as a dataset of two files (2 x 1M rows in row groups of 25k rows; quick:
 * 2 x 50k in 10k-row groups).
 *
 * 1. Time to the first batch with 20 ms added to every request: the requests it costs (arrived
 *    at the server before the first batch reached the consumer, with `prefetchBatches: 0` so that
 *    nothing reads ahead for the second batch meanwhile) and the time.
 *    Target: at most 3 requests. Also shown with the hub's redirect of large files to a CDN,
 *    which adds one hop to a file's first read.
 * 2. Total time of a full pass with 20 ms per request against the same pass with none (both with
 *    the default read-ahead), as the median of the ratios of back-to-back pairs (so load from
 *    other processes hits both sides of a pair alike). Target: at most 1.3x. Shown beside: the
 *    same pass without read-ahead, and the peers, with and without latency: parquet-wasm
 *    streaming Arrow batches from the URLs (its fastest form: `ParquetFile.fromUrl` and
 *    `stream({ concurrency: 4 })`), and hyparquet reading each file row group by row group through
 *    `asyncBufferFromUrl` (what a hand-written reader does). Every reader's consumer touches every
 *    value (numbers summed, string lengths added), and the checksums must agree.
 * 3. Peak RSS of a full pass with 20 ms latency, ours and the peers', each in a fresh process.
 */
import { statSync } from 'node:fs'
import { HUB_PREFETCH_BATCHES, loadHuggingFace } from '@sd/hf'
import { defaultDataDir, parquetFile } from '../lib/data.ts'
import { runChild } from '../lib/rss.ts'
import { type Measurement, machineInfo, ratioCheck, type Suite } from '../lib/suite.ts'
import { timeTasks } from '../lib/timing.ts'
import { hyparquetRowGroups, type Pass, parquetWasmStream, sdPass } from './peer.ts'
import { RemoteHub } from './remote-hub.ts'

/** Rows per batch of every reader. */
const BATCH_SIZE = 10_000
/** Concurrent range requests of parquet-wasm's stream. */
const WASM_CONCURRENCY = 4

const LATENCY_MS = 20
const DIRECT = 'bench/rows'
const CDN = 'bench/rows-cdn'

export const hfSuite: Suite = async (options) => {
  const log = options.log ?? (() => undefined)
  const quick = options.quick ?? false
  const rowsPerFile = quick ? 50_000 : 1_000_000
  const rowGroupSize = quick ? 10_000 : 25_000
  const rows = 2 * rowsPerFile
  const path = await parquetFile(options.dataDir ?? defaultDataDir(), rowsPerFile, rowGroupSize)
  const byteLength = statSync(path).size
  const mb = (2 * byteLength) / 2 ** 20
  const label = `${rows / 1e6}M rows x 5, 2 files`

  const files = (lfs: boolean) => [
    { path: 'data/train-00000-of-00002.parquet', file: path, lfs },
    { path: 'data/train-00001-of-00002.parquet', file: path, lfs },
  ]
  const hub = await RemoteHub.start([
    { dataset: DIRECT, files: files(false) },
    { dataset: CDN, files: files(true) },
  ])
  try {
    const urls = files(false).map(
      (f) => `${hub.url}/datasets/${DIRECT}/resolve/${hub.shas[DIRECT]}/${f.path}`,
    )

    // every reader's pass must read every row and see the same values
    let expected: number | undefined
    const check = (name: string, pass: Pass) => {
      if (pass.rows !== rows) throw new Error(`${name} read ${pass.rows} rows, expected ${rows}`)
      expected ??= pass.checksum
      if (Math.abs(pass.checksum - expected) > 1e-9 * Math.abs(expected))
        throw new Error(`${name} summed the values to ${pass.checksum}, expected ${expected}`)
      return pass.rows
    }
    const sd = async (dataset: string, latencyMs: number, options: Parameters<typeof sdPass>[2] = {}) => {
      await hub.setLatency(latencyMs)
      return check('sd', await sdPass(hub.url, dataset, options))
    }
    const peer = async (latencyMs: number) => {
      await hub.setLatency(latencyMs)
      return check('hyparquet', await hyparquetRowGroups(urls, byteLength))
    }
    const wasm = async (latencyMs: number) => {
      await hub.setLatency(latencyMs)
      return check('parquet-wasm', await parquetWasmStream(urls, BATCH_SIZE, WASM_CONCURRENCY))
    }

    // full passes (2. below)
    log(`full passes over ${label}`)
    const tasks: Record<string, () => Promise<number>> = {
      'sd, no latency': () => sd(DIRECT, 0),
      [`sd, ${LATENCY_MS} ms per request`]: () => sd(DIRECT, LATENCY_MS),
      [`sd, ${LATENCY_MS} ms per request, no read-ahead`]: () =>
        sd(DIRECT, LATENCY_MS, { prefetchBatches: 0 }),
      "sd, no latency, workers: 'auto'": () => sd(DIRECT, 0, { workers: 'auto' }),
      [`sd, ${LATENCY_MS} ms per request, CDN redirects`]: () => sd(CDN, LATENCY_MS),
      'parquet-wasm stream, no latency': () => wasm(0),
      [`parquet-wasm stream, ${LATENCY_MS} ms per request`]: () => wasm(LATENCY_MS),
      'hyparquet per row group, no latency': () => peer(0),
      [`hyparquet per row group, ${LATENCY_MS} ms per request`]: () => peer(LATENCY_MS),
    }
    const timings = await timeTasks(tasks, {
      iterations: quick ? 1 : 2,
      warmupIterations: 1,
      rounds: quick ? 1 : 3,
    })
    // the target: back-to-back pairs, in alternating order, the median of their ratios
    const pairs: number[] = []
    for (let i = 0; i < (quick ? 2 : 9); i++) {
      const timed = async (latency: number) => {
        const t0 = performance.now()
        await sd(DIRECT, latency)
        return performance.now() - t0
      }
      let none: number
      let slow: number
      if (i % 2 === 0) {
        none = await timed(0)
        slow = await timed(LATENCY_MS)
      } else {
        slow = await timed(LATENCY_MS)
        none = await timed(0)
      }
      pairs.push(slow / none)
    }
    pairs.sort((a, b) => a - b)
    const latencyRatio = pairs[pairs.length >> 1] as number

    // 1. the first batch (after the full passes warmed the code up)
    log(`time to the first batch, ${LATENCY_MS} ms per request`)
    const first = async (dataset: string, minimal = true) => {
      const runs: { requests: number; ms: number }[] = []
      for (let i = 0; i < (quick ? 3 : 7); i++) {
        await hub.setLatency(LATENCY_MS)
        await hub.resetLog()
        const t0 = performance.now()
        let tFirst = 0
        // minimal: no read-ahead of batches or row groups (no decoding threads either, which keep
        // row groups in flight of their own), so only what the first batch needs is requested
        for await (const _ of loadHuggingFace(dataset, {
          hubUrl: hub.url,
          batchSize: BATCH_SIZE,
          cacheEnabled: false,
          ...(minimal ? { prefetchBatches: 0, workers: 0 } : {}),
        })) {
          tFirst = performance.now()
          break
        }
        // both processes stamp requests on the wall clock
        const first = performance.timeOrigin + tFirst
        const served = await hub.log()
        runs.push({ requests: served.filter((r) => r.receivedAt <= first).length, ms: tFirst - t0 })
      }
      runs.sort((a, b) => a.ms - b.ms)
      const median = runs[runs.length >> 1] as { requests: number; ms: number }
      return { requests: Math.max(...runs.map((r) => r.requests)), ms: median.ms }
    }
    const direct = await first(DIRECT)
    const viaCdn = await first(CDN)
    const byDefault = await first(DIRECT, false)

    const measurements: Measurement[] = Object.entries(timings).map(([name, t]) => ({
      name,
      dataset: label,
      seconds: t.p50Ms / 1000,
      recordsPerSecond: rows / (t.p50Ms / 1000),
      mbPerSecond: mb / (t.p50Ms / 1000),
    }))
    measurements.push(
      {
        name: `sd first batch, ${LATENCY_MS} ms per request (${direct.requests} requests)`,
        dataset: label,
        seconds: direct.ms / 1000,
        extra: { requests: direct.requests, latencyUnits: Math.round((direct.ms / LATENCY_MS) * 10) / 10 },
      },
      {
        name: `sd first batch, ${LATENCY_MS} ms per request, default read-ahead (${byDefault.requests} requests)`,
        dataset: label,
        seconds: byDefault.ms / 1000,
        extra: {
          requests: byDefault.requests,
          latencyUnits: Math.round((byDefault.ms / LATENCY_MS) * 10) / 10,
        },
      },
      {
        name: `sd first batch, ${LATENCY_MS} ms per request, CDN redirects (${viaCdn.requests} requests)`,
        dataset: label,
        seconds: viaCdn.ms / 1000,
        extra: { requests: viaCdn.requests, latencyUnits: Math.round((viaCdn.ms / LATENCY_MS) * 10) / 10 },
      },
    )

    // 3. peak RSS in fresh processes (the hub process keeps serving)
    log('peak RSS')
    await hub.setLatency(LATENCY_MS)
    const child = new URL('./rss-child.ts', import.meta.url)
    const rssOurs = await runChild(child, ['sd', hub.url, DIRECT])
    const rssWasm = await runChild(child, ['parquet-wasm', JSON.stringify(urls), String(byteLength)])
    const rssPeer = await runChild(child, ['hyparquet', JSON.stringify(urls), String(byteLength)])
    for (const [name, report] of [
      [`sd full pass, ${LATENCY_MS} ms per request (fresh process)`, rssOurs],
      [`parquet-wasm stream, ${LATENCY_MS} ms per request (fresh process)`, rssWasm],
      [`hyparquet per row group, ${LATENCY_MS} ms per request (fresh process)`, rssPeer],
    ] as const) {
      if (report.records !== rows) throw new Error(`${name} read ${report.records} rows, expected ${rows}`)
      measurements.push({
        name,
        dataset: label,
        seconds: report.seconds,
        recordsPerSecond: rows / report.seconds,
        peakRssMb: report.peakRssMb,
      })
    }

    const ms = (name: string) => timings[name]?.p50Ms ?? Number.NaN
    return {
      suite: 'hf',
      ranAt: new Date().toISOString(),
      machine: machineInfo(),
      command: `pnpm --filter @sd/benchmarks bench hf${quick ? ' --quick' : ''}`,
      measurements,
      ratios: [
        ratioCheck(
          `requests to the first batch (${LATENCY_MS} ms per request, no read-ahead)`,
          direct.requests,
          { max: 3 },
        ),
        ratioCheck(`total time, ${LATENCY_MS} ms per request vs none (read-ahead on)`, latencyRatio, {
          max: 1.3,
        }),
        ratioCheck(
          'parquet-wasm stream vs sd time, no latency',
          ms('parquet-wasm stream, no latency') / ms('sd, no latency'),
          { min: 1 },
        ),
        ratioCheck(
          `parquet-wasm stream vs sd time, ${LATENCY_MS} ms per request`,
          ms(`parquet-wasm stream, ${LATENCY_MS} ms per request`) / ms(`sd, ${LATENCY_MS} ms per request`),
          { min: 1 },
        ),
        ratioCheck(
          `hyparquet per row group vs sd time, ${LATENCY_MS} ms per request`,
          ms(`hyparquet per row group, ${LATENCY_MS} ms per request`) /
            ms(`sd, ${LATENCY_MS} ms per request`),
          { min: 1 },
        ),
      ],
      notes: [
        `Latency ratios of the back-to-back pairs, sorted: ${pairs.map((r) => r.toFixed(2)).join(', ')}.`,
        'The hub server runs in a process of its own; latency is added before every answer (API, resolve and CDN).',
        `Every reader makes batches of ${BATCH_SIZE} rows and its consumer touches every value (numbers summed, string lengths added); the checksums agree. parquet-wasm streams with ${WASM_CONCURRENCY} concurrent range requests; sd reads ahead with its default for the hub, prefetchBatches: ${HUB_PREFETCH_BATCHES} (${HUB_PREFETCH_BATCHES - 1} row groups requested ahead of the one decoded), and decodes in the calling thread (workers: 0, its default for the hub; the workers: 'auto' line lets @sd/parquet decode in threads).`,
        `The first batch without read-ahead (prefetchBatches: 0, workers: 0) needs the revision answer (files with sizes and hashes), the footer (@sd/parquet reads the file's last 64 KiB) and the first row group; with the CDN redirect a file's first read adds the hub's 302 (${viaCdn.requests} requests), later reads go straight to the remembered CDN location. With the defaults the next row groups (and, with @sd/parquet's decoding threads, one per thread) are requested together with the first, in the same round trip: ${byDefault.requests} requests, ${(byDefault.ms / LATENCY_MS).toFixed(1)} times the latency.`,
        'Each file is read by @sd/parquet over a range reader of the hub; the next file is opened (its footer read) once the consumer asks for the second batch of the current one.',
      ],
    }
  } finally {
    await hub.close()
  }
}
