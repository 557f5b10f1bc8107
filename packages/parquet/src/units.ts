import type { DataUnit, RecordBatch, Row } from '@sd/core'
import { taskBytes, taskRows } from './group-reader.js'
import type { Opened } from './open.js'
import type { ResolvedParquetOptions } from './options.js'
import { pieceSizes } from './pieces.js'
import { planPart } from './plan.js'
import { prunePages } from './prune-pages.js'
import { assemble } from './scan.js'
import { type Job, type ScanSpec, scanHere } from './scan-here.js'

/** The row groups a sharded dataset splits, by unit id. */
export type UnitJobs = Map<string, Omit<Job, 'sizes' | 'index'>>

/**
 * The row groups of every file, in read order, as units (row groups that `rowGroups` leaves out or
 * the statistics rule out under `filters` are not units). Rows come from the footers (unknown under
 * `filters`). Unit ids name files relative to the directory or prefix, so a checkpoint taken over
 * local files resumes over the same files in S3.
 */
export function listUnits(o: Opened, parquet: ResolvedParquetOptions): { units: DataUnit[]; jobs: UnitJobs } {
  const units: DataUnit[] = []
  const jobs: UnitJobs = new Map()
  for (const [partIndex, part] of o.parts.entries()) {
    const name = o.isDirectory
      ? part.entry.name.slice(o.label.length).replace(/^[/\\]+/, '')
      : (part.entry.name.split(/[/\\]/).at(-1) ?? part.entry.name)
    for (const task of planPart(o, part, partIndex, parquet).tasks) {
      const id = `${name}#${task.rowGroup}`
      jobs.set(id, { partIndex, part, task })
      units.push({ id, rows: parquet.filters ? undefined : task.rows, bytes: taskBytes(task) })
    }
  }
  return { units, jobs }
}

/** The rows of one row group from row `offset` on (after `filters`), decoded in this thread. */
export async function* readUnitRows<R extends Row>(
  spec: ScanSpec,
  unit: Omit<Job, 'sizes' | 'index'>,
  offset: number,
): AsyncGenerator<RecordBatch<R>> {
  const [task] = await prunePages(spec, unit.partIndex, unit.part, [unit.task])
  if (!task) return
  const job: Job = {
    ...unit,
    task,
    index: 0,
    sizes: pieceSizes(taskRows(task), spec.batchSize, 0, spec.parquet.filters !== undefined),
  }
  let skip = offset
  for await (const { piece, last } of scanHere(spec, [job])) {
    spec.stats.rowsDecoded += piece.rows
    spec.stats.rowsFiltered += piece.rows - piece.kept
    if (last) spec.stats.rowGroupsRead++
    if (skip >= piece.kept) {
      skip -= piece.kept
      continue
    }
    const batch = assemble<R>(spec.o, job.partIndex, piece)
    yield skip > 0 ? batch.slice(skip) : batch
    skip = 0
  }
}
