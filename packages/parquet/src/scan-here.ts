import { type ReadContext, readAhead, throwIfAborted } from '@sd/core'
import { byteSource } from './byte-source.js'
import { GroupReader, type ReadTuning, upfrontBytes } from './group-reader.js'
import type { GroupTask } from './group-task.js'
import type { Opened } from './open.js'
import { OpenBatch } from './open-batch.js'
import type { ParquetScanStats, ResolvedParquetOptions } from './options.js'
import { type ParquetPart, type ReaderOptions, reopenPart } from './parts.js'
import { filterPiece, type Piece, type PieceFilter } from './pieces.js'

const MIB = 1024 * 1024
/** Local files: small row groups in one read, large ones in 64 KiB windows re-read where pages start. */
export const LOCAL: ReadTuning = {
  coalesceBytes: 8 * MIB,
  windowBytes: 64 * 1024,
  gapBytes: 64 * 1024,
  local: true,
}
/** URLs and readers: fewer, larger requests. */
export const REMOTE: ReadTuning = {
  coalesceBytes: 16 * MIB,
  windowBytes: 4 * MIB,
  gapBytes: 1 * MIB,
  local: false,
}

/** How a pass reads a file: local or remote defaults, with the `chunkBytes` asked for. */
export function tuningOf(spec: ScanSpec, remote: boolean): ReadTuning {
  const base = remote ? REMOTE : LOCAL
  const chunk = spec.parquet.chunkBytes
  return chunk === undefined ? base : { ...base, windowBytes: chunk }
}

/** Everything one pass over an opened source needs. */
export interface ScanSpec {
  o: Opened
  parquet: ResolvedParquetOptions
  reader: ReaderOptions
  batchSize: number
  /** Row groups read ahead of the one being decoded. */
  depth: number
  /** Bytes the row groups read ahead may hold. */
  budget: number
  /** Decode threads (0: this thread only). */
  workers: number
  /** `workers` is `'auto'`: threads only for passes with enough to decode. */
  autoWorkers: boolean
  stats: ParquetScanStats
  ctx: ReadContext
}

/** One row group of the pass, with where its pieces end. */
export interface Job {
  index: number
  partIndex: number
  part: ParquetPart
  task: GroupTask
  sizes: number[]
}

/** Rows decoded and kept by a piece of job `job` (the last piece of a job ends its row group). */
export interface JobPiece {
  job: Job
  piece: Piece
  last: boolean
}

/** The filter of pieces of part `partIndex` (with its partition values), if there is one. */
export function pieceFilter(spec: ScanSpec, partIndex: number): PieceFilter | undefined {
  const { filters, filterStrict } = spec.parquet
  if (!filters) return undefined
  const partition = new Map(spec.o.partitions.map((c) => [c.field.name, c.values[partIndex]]))
  return { filters, strict: filterStrict, partition }
}

/** File columns the batches carry, in read order. */
export function keptColumns(o: Opened): string[] {
  const out = new Set(o.outputs.filter((x) => x.kind === 'file').map((x) => (x as { name: string }).name))
  return o.readNames.filter((name) => out.has(name))
}

/** Byte counting for a pass: the loader's stats and the batch being produced. */
export function countBytes(spec: ScanSpec): (bytes: number) => void {
  return (bytes) => {
    spec.stats.bytesRead += bytes
    spec.ctx.countBytes(bytes)
  }
}

/**
 * Decodes jobs in this thread, file by file, the reads of the next row groups started while one
 * decodes (`depth` groups ahead, within `budget` bytes). With `whole` (the jobs are a whole pass,
 * in order), an unfiltered batch that spans row groups of a file is decoded as one piece, its
 * flat columns straight into the batch's arrays (a row group that ends inside it gives an empty
 * piece that only ends the group).
 */
export async function* scanHere(
  spec: ScanSpec,
  jobs: readonly Job[],
  whole = false,
): AsyncGenerator<JobPiece> {
  const keep = keptColumns(spec.o)
  const count = countBytes(spec)
  const batchSize = spec.batchSize
  /** Rows of the pass before the next piece (batches end at its multiples of `batchSize`). */
  let passRow = 0
  let i = 0
  while (i < jobs.length) {
    const first = jobs[i] as Job
    let end = i
    while (end < jobs.length && (jobs[end] as Job).partIndex === first.partIndex) end++
    const fileJobs = jobs.slice(i, end)
    i = end
    throwIfAborted(spec.ctx.signal)
    const file = await reopenPart(first.part, spec.reader, spec.ctx.signal)
    try {
      const source = byteSource(file, spec.ctx.signal, count)
      const tuning = tuningOf(spec, first.part.entry.remote || first.part.entry.reader !== undefined)
      const filter = pieceFilter(spec, first.partIndex)
      const spanning = whole && filter === undefined
      let fileLeft = 0
      for (const job of fileJobs) fileLeft += job.sizes.reduce((a, b) => a + b, 0)
      let open: OpenBatch | undefined
      let k = 0
      for await (const group of readAhead(fileJobs, (job) => new GroupReader(source, job.task, tuning), {
        depth: spec.depth,
        budget: spec.budget,
        cost: (job) => upfrontBytes(job.task, tuning),
      })) {
        const job = fileJobs[k++] as Job
        try {
          for (const [p, n] of job.sizes.entries()) {
            throwIfAborted(spec.ctx.signal)
            const last = p === job.sizes.length - 1
            // rows from here to the end of the batch, within this file
            const batchRows = Math.min(batchSize - (passRow % batchSize), fileLeft)
            passRow += n
            fileLeft -= n
            if (spanning && (open !== undefined || n < batchRows)) {
              open ??= new OpenBatch(batchRows)
              await group.fill(open, n)
              if (open.filled < open.size) {
                if (last) yield { job, piece: { columns: new Map(), rows: 0, kept: 0 }, last }
                continue
              }
              const rows = open.size
              const columns = open.finish()
              open = undefined
              yield { job, piece: filterPiece(columns, rows, undefined, keep), last }
              continue
            }
            const raw = await group.take(n)
            yield { job, piece: filterPiece(raw, n, filter, keep), last }
          }
        } finally {
          group.release()
        }
      }
    } finally {
      await file.close()
    }
  }
}
