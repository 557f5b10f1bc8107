import { BatchAccumulator, type ColumnData, RecordBatch, type Row } from '@sd/core'
import { taskBytes, taskRows } from './group-reader.js'
import { constantColumn, type PartitionColumn } from './hive.js'
import type { Opened } from './open.js'
import { type Piece, pieceSizes } from './pieces.js'
import { planPart } from './plan.js'
import { prunePages } from './prune-pages.js'
import { type Job, type ScanSpec, scanHere } from './scan-here.js'
import { scanInWorkers } from './scan-workers.js'

/**
 * One pass: the row groups of every file in order (statistics pruning first), decoded here or in
 * worker threads, filtered, with partition columns added, cut into batches of exactly
 * `batchSize` rows (the last may be shorter).
 */
export async function* scanBatches<R extends Row>(spec: ScanSpec): AsyncGenerator<RecordBatch<R>> {
  const { o, stats, batchSize } = spec
  const jobs = await planJobs(spec)
  const acc = new BatchAccumulator<R>(batchSize)
  const pieces = useWorkers(spec, jobs) ? scanInWorkers(spec, jobs) : scanHere(spec, jobs, true)
  for await (const { job, piece, last } of pieces) {
    stats.rowsDecoded += piece.rows
    stats.rowsFiltered += piece.rows - piece.kept
    if (last) stats.rowGroupsRead++
    if (piece.kept === 0) continue
    for (const batch of acc.push(assemble<R>(o, job.partIndex, piece))) yield batch
  }
  const rest = acc.flush()
  if (rest) yield rest
}

/** Compressed bytes after the first row group below which `workers: 'auto'` decodes in this thread. */
const AUTO_MIN_BYTES = 8 * 1024 * 1024

function useWorkers(spec: ScanSpec, jobs: readonly Job[]): boolean {
  if (spec.workers === 0 || jobs.length < 2) return false
  if (!spec.autoWorkers) return true
  let bytes = 0
  for (const job of jobs.slice(1)) bytes += taskBytes(job.task)
  return bytes >= AUTO_MIN_BYTES
}

/**
 * The row groups of the pass, part by part, with their piece sizes; pruned ones (by statistics,
 * or by the page index) are counted.
 */
async function planJobs(spec: ScanSpec): Promise<Job[]> {
  const { o, parquet, stats, batchSize } = spec
  const jobs: Job[] = []
  let offset = 0
  const filtered = parquet.filters !== undefined
  for (const [partIndex, part] of o.parts.entries()) {
    const plan = planPart(o, part, partIndex, parquet)
    stats.rowGroupsSkipped += plan.skippedGroups
    stats.bytesSkipped += plan.skippedBytes
    for (const task of await prunePages(spec, partIndex, part, plan.tasks)) {
      const rows = taskRows(task)
      jobs.push({
        index: jobs.length,
        partIndex,
        part,
        task,
        sizes: pieceSizes(rows, batchSize, offset, filtered),
      })
      offset += rows
    }
  }
  return jobs
}

/** The batch of a piece: output columns in order, partition columns as constants. */
export function assemble<R extends Row>(o: Opened, partIndex: number, piece: Piece): RecordBatch<R> {
  const columns = o.outputs.map((out): ColumnData => {
    if (out.kind === 'file') return piece.columns.get(out.name) as ColumnData
    const partition = o.partitions[out.index] as PartitionColumn
    return constantColumn(out.field, partition.values[partIndex], piece.kept)
  })
  return RecordBatch.fromData<R>(o.schema, columns)
}
