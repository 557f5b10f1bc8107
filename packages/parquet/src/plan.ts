import type { ColumnInfo } from './column-info.js'
import { canSkip } from './filter.js'
import { taskBytes } from './group-reader.js'
import type { GroupTask } from './group-task.js'
import type { Opened } from './open.js'
import type { ResolvedParquetOptions } from './options.js'
import type { ParquetPart } from './parts.js'

/** The row groups of one file a pass reads, and what statistics pruning skipped. */
export interface PartPlan {
  tasks: GroupTask[]
  skippedGroups: number
  skippedBytes: number
}

/**
 * The row groups of part `index` to read: those `rowGroups` names (all by default) that hold rows
 * and whose statistics (or partition values) do not rule `filters` out.
 */
export function planPart(
  o: Opened,
  part: ParquetPart,
  index: number,
  parquet: ResolvedParquetOptions,
): PartPlan {
  const { filters, rowGroups } = parquet
  const columns = o.readNames.map((name) => part.byName.get(name) as ColumnInfo)
  const partitions = o.partitions.map((c) => ({ name: c.field.name, value: c.values[index] }))
  const plan: PartPlan = { tasks: [], skippedGroups: 0, skippedBytes: 0 }
  part.metadata.row_groups.forEach((group, rowGroup) => {
    const rows = Number(group.num_rows)
    if (rows === 0 || (rowGroups && !rowGroups.has(rowGroup))) return
    const task: GroupTask = {
      metadata: part.metadata,
      tree: part.tree,
      rowGroup,
      groupStart: part.groupStarts[rowGroup] as number,
      rows,
      columns,
      file: part.entry.name,
    }
    if (filters && canSkip(group, part.physical, partitions, filters)) {
      plan.skippedGroups++
      plan.skippedBytes += taskBytes(task)
      return
    }
    plan.tasks.push(task)
  })
  return plan
}
