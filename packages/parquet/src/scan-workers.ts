import {
  type ColumnData,
  type HttpOptions,
  isHttpUrl,
  leasePool,
  type RangeReader,
  reviveColumn,
  workerModule,
} from '@sd/core'
import type { DecodeTask, PieceMessage, TaskSource } from './decode-task.js'
import { chunkRanges, type ReadTuning, taskRows, upfrontBytes } from './group-reader.js'
import { mergeRanges } from './group-task.js'
import { reopenPart } from './parts.js'
import {
  countBytes,
  type Job,
  type JobPiece,
  keptColumns,
  pieceFilter,
  type ScanSpec,
  scanHere,
  tuningOf,
} from './scan-here.js'

/** Bytes a worker is sent whole: the row group's chunks, one range per run of adjacent chunks. */
const SENT: ReadTuning = {
  coalesceBytes: Number.POSITIVE_INFINITY,
  windowBytes: 4 << 20,
  gapBytes: 0,
  local: false,
}

type Reply = { message: PieceMessage[] }

/** Footers in shared memory, by the part's footer bytes. */
const sharedFooters = new WeakMap<Uint8Array, Uint8Array>()

/**
 * A part's footer in a `SharedArrayBuffer`, made once per part: a task carries a reference to it
 * rather than a copy (the footer grows with the row groups: a copy in every task made a pass's
 * messages grow with the square of the file's size).
 */
export function sharedFooter(bytes: Uint8Array): Uint8Array {
  let shared = sharedFooters.get(bytes)
  if (!shared) {
    shared = new Uint8Array(new SharedArrayBuffer(bytes.length))
    shared.set(bytes)
    sharedFooters.set(bytes, shared)
  }
  return shared
}

/**
 * Heap limits of a decode thread. A young generation of 2 MiB (V8 grows it to 16+ MiB) makes the
 * thread collect every few row groups, which frees the read and decompression buffers it dropped:
 * with the default, each thread kept up to ~50 MiB of them and peak RSS grew with the file
 * (5 columns, 10M rows: 256 MiB against 222 with it, at no measurable CPU cost).
 */
export const DECODE_LIMITS = { maxYoungGenerationSizeMb: 2 } as const

/**
 * Decodes a pass's row groups in worker threads and yields their pieces in order. The first row
 * group is decoded in this thread, and the workers start (on the others) only once its first
 * piece is handed out, so the first batch comes as soon as without workers (and a pass that stops
 * there starts none). Workers read local files and URLs themselves; the bytes of a caller's range
 * reader (or of a URL fetched with a custom `fetch`) are read here and sent. Read-ahead bounds
 * the row groups under way as in this thread: at most `workers x (1 + depth)` of them (twice the
 * workers by default), holding at most `budget` bytes read and not yet decoded (one always
 * starts; one more may wait, its bytes read, for room), each at most one row group of pieces
 * ahead of the consumer. A crash of a worker fails the pass with `WORKER_CRASHED` at the file
 * and row group it was decoding. Unfiltered, a worker decodes a row group as one piece, cut into
 * the batches here as views; filtered, in pieces of a batch, 64k rows to a message (see
 * `groupPieces`), so small batches cost no more messages and wake-ups than large ones. The
 * threads are shared by the passes of the process and stay warm between them (see core's
 * `leasePool`): a pass that runs to its end leaves them idle for the next one (they close after
 * 2 s without); leaving the loop early, an error or an abort terminates them at once.
 */
export async function* scanInWorkers(spec: ScanSpec, jobs: readonly Job[]): AsyncGenerator<JobPiece> {
  const keep = keptColumns(spec.o)
  const count = countBytes(spec)
  const signal = spec.ctx.signal
  let window = 1
  for (const job of jobs) window = Math.max(window, job.sizes.length)
  const readers = new Map<number, Promise<RangeReader>>()
  const reader = (job: Job) => {
    let r = readers.get(job.partIndex)
    if (!r) {
      r = reopenPart(job.part, spec.reader, signal)
      r.catch(() => undefined)
      readers.set(job.partIndex, r)
    }
    return r
  }
  /** Jobs decoded in this thread, before the workers take the rest. */
  let here = 1
  async function* tasks() {
    for (const job of jobs.slice(here)) {
      const transfer: ArrayBuffer[] = []
      const source = await taskSource(job, spec, () => reader(job), transfer, count)
      const filter = pieceFilter(spec, job.partIndex)
      const tuning = source.kind === 'bytes' ? SENT : tuningOf(spec, source.kind === 'url')
      const task: DecodeTask = {
        job: job.index,
        key: `${job.part.entry.name}|${job.part.version}`,
        name: job.part.entry.name,
        footer: sharedFooter(job.part.footer),
        int64: spec.parquet.int64,
        rowGroup: job.task.rowGroup,
        columns: job.task.columns.map((c) => c.name),
        keep,
        // unfiltered, a row group is decoded as one piece, one buffer per column to transfer, and
        // cut into the batches' pieces here as views (a buffer per column per piece cost a
        // transfer each, and a copy of the dictionary each)
        sizes: filter === undefined ? [taskRows(job.task)] : job.sizes,
        filter: filter && {
          filters: filter.filters,
          strict: filter.strict,
          partition: [...filter.partition],
        },
        selection: job.task.selection,
        source,
        tuning,
      }
      yield {
        task,
        transfer,
        window,
        what: `decoding row group ${job.task.rowGroup} of ${job.part.entry.name}`,
        location: { file: job.task.file, rowGroup: job.task.rowGroup },
        // what the row group holds read and not yet decoded, as in this thread's read-ahead: the
        // bytes sent whole, or the windows the worker reads first
        cost: upfrontBytes(job.task, tuning),
      }
    }
  }
  let lease: ReturnType<typeof leasePool<DecodeTask, Reply>> | undefined
  let results: AsyncGenerator<Reply, void, undefined> | undefined
  let outcome: 'done' | 'stopped' = 'stopped'
  try {
    // leased now, its threads started once this thread has handed out the first batch (threads
    // starting on a busy machine would delay it). Threads already warm (an earlier pass's), or a
    // number of workers, take every row group after the first, and none is read ahead here; with
    // `workers: 'auto'` and threads to start, this thread goes on decoding, row group by row
    // group, until every thread has loaded its module, and the threads take the rest (a pass
    // never waits for them)
    if (jobs.length >= 2) {
      lease = leasePool<DecodeTask, Reply>({
        module: workerModule(import.meta.url, 'decode-worker'),
        size: spec.workers,
        name: 'parquet decode',
        resourceLimits: DECODE_LIMITS,
      })
    }
    const firstOnly = !spec.autoWorkers || lease?.pool.warm === true
    for await (const piece of scanHere(spec, firstOnly ? jobs.slice(0, 1) : jobs)) {
      yield piece
      lease?.pool.start()
      if (!piece.last) continue
      here = piece.job.index + 1
      if (firstOnly || lease?.pool.warm) break
    }
    if (!lease || here >= jobs.length) {
      outcome = 'done'
      return
    }
    results = lease.pool.map(tasks(), {
      maxInFlight: spec.workers * (1 + spec.depth),
      budget: spec.budget,
      signal,
    })
    for (let r = await results.next(); !r.done; r = await results.next()) {
      for (const m of r.value.message) {
        count(m.bytes)
        if (m.last) spec.stats.rowGroupsInWorkers++
        const job = jobs[m.job] as Job
        const columns = new Map<string, ColumnData>(keep.map((name, i) => [name, reviveColumn(m.columns[i])]))
        if (spec.parquet.filters === undefined) yield* cut(job, columns)
        else yield { job, piece: { columns, rows: m.rows, kept: m.kept }, last: m.last }
      }
    }
    outcome = 'done'
  } finally {
    await results?.return(undefined)
    // a pass that ran to its end leaves the threads warm for the next; any other end stops them
    await lease?.release(outcome)
    for (const r of readers.values()) await (await r.catch(() => undefined))?.close()
  }
}

/** A row group decoded whole, cut into the job's pieces: views of its columns. */
function* cut(job: Job, columns: Map<string, ColumnData>): Generator<JobPiece> {
  if (job.sizes.length === 1) {
    const rows = job.sizes[0] as number
    yield { job, piece: { columns, rows, kept: rows }, last: true }
    return
  }
  let at = 0
  for (const [p, n] of job.sizes.entries()) {
    const part = new Map<string, ColumnData>()
    for (const [name, data] of columns) part.set(name, data.slice(at, at + n))
    at += n
    yield { job, piece: { columns: part, rows: n, kept: n }, last: p === job.sizes.length - 1 }
  }
}

/**
 * Where the worker gets a job's bytes: a local file or HTTP URL it reads itself, or the chunks read
 * here (a caller's reader, S3, a custom `fetch`, headers that do not cross threads, no ETag).
 */
async function taskSource(
  job: Job,
  spec: ScanSpec,
  reader: () => Promise<RangeReader>,
  transfer: ArrayBuffer[],
  count: (bytes: number) => void,
): Promise<TaskSource> {
  const { part } = job
  const entry = part.entry
  if (!entry.reader && !entry.remote) return { kind: 'file', path: entry.name, version: part.version }
  const http = portableHttp(spec.reader.http)
  if (!entry.reader && isHttpUrl(entry.name) && part.etag !== undefined && http) {
    return { kind: 'url', url: entry.name, byteLength: part.byteLength, etag: part.etag, http }
  }
  const r = await reader()
  const { runs } = mergeRanges(chunkRanges(job.task), 0)
  const ranges: { start: number; bytes: Uint8Array }[] = []
  for (const run of runs) {
    // a copy the worker owns: the reader (or its cache) may hold on to what it returned
    const bytes = (await r.read(run.start, run.end, spec.ctx.signal)).slice()
    count(bytes.length)
    transfer.push(bytes.buffer as ArrayBuffer)
    ranges.push({ start: run.start, bytes })
  }
  return { kind: 'bytes', byteLength: part.byteLength, ranges }
}

/** HTTP options that can cross to a worker (no `fetch` function, plain string headers), or undefined. */
function portableHttp(http: HttpOptions): HttpOptions | undefined {
  if (http.fetch !== undefined) return undefined
  const { headers } = http
  if (headers !== undefined) {
    if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) return undefined
    if (Object.getPrototypeOf(headers) !== Object.prototype) return undefined
  }
  return http
}
