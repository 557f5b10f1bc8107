import { byteSource } from './byte-source.js'
import { filterColumns } from './filter.js'
import { taskBytes } from './group-reader.js'
import type { GroupTask } from './group-task.js'
import { hasPageIndex, readPageIndexes, selectPages } from './page-index.js'
import { type ParquetPart, reopenPart } from './parts.js'
import { countBytes, type ScanSpec } from './scan-here.js'

/**
 * Page-level pruning: under `filters`, the row groups of one file that have a page index keep only
 * the row ranges whose pages can match (the pages of every read column those ranges touch are
 * read, the others never are). Row groups where no page can match are dropped. The index is read
 * once per file and pass, and counted in `bytesRead`; what is skipped is counted in the stats.
 */
export async function prunePages(
  spec: ScanSpec,
  partIndex: number,
  part: ParquetPart,
  tasks: GroupTask[],
): Promise<GroupTask[]> {
  const { filters } = spec.parquet
  if (!filters || tasks.length === 0 || !hasPageIndex(tasks)) return tasks
  const reader = await reopenPart(part, spec.reader, spec.ctx.signal)
  let indexes: Awaited<ReturnType<typeof readPageIndexes>>
  try {
    const source = byteSource(reader, spec.ctx.signal, countBytes(spec))
    indexes = await readPageIndexes(source, tasks, new Set(filterColumns(filters)))
  } finally {
    await reader.close()
  }
  const partitions = spec.o.partitions.map((c) => ({ name: c.field.name, value: c.values[partIndex] }))
  const out: GroupTask[] = []
  const { stats } = spec
  for (const task of tasks) {
    const selection = selectPages(task, indexes.get(task.rowGroup), filters, partitions)
    if (selection === 'none') {
      stats.rowGroupsSkipped++
      stats.bytesSkipped += taskBytes(task)
      for (const info of task.columns) {
        const leaf = info.leaves[0] as number
        stats.pagesSkipped += indexes.get(task.rowGroup)?.get(leaf)?.offset?.page_locations.length ?? 0
      }
      continue
    }
    if (selection) {
      stats.pagesSkipped += selection.pagesSkipped
      stats.bytesSkipped += selection.bytesSkipped
      out.push({ ...task, selection })
    } else out.push(task)
  }
  return out
}
