import {
  BatchAccumulator,
  type ColumnValues as Column,
  type Field,
  FormatError,
  type HttpRangeReader,
  isSdError,
  NotFoundError,
  type ReadContext,
  RecordBatch,
} from '@sd/core'
import type { ColumnData, FileMetaData } from 'hyparquet'
import { parquetRead } from 'hyparquet'
import { columnsNeededForFilter, matchFilter } from 'hyparquet/src/filter.js'
import { parquetPlanGroup, parquetPlanGroups } from 'hyparquet/src/plan.js'
import { compressors } from 'hyparquet-compressors'
import { withTokenHint } from './hub-errors.js'
import type { HuggingFaceFilter } from './options.js'
import { parquetFields, typedIfDense } from './parquet-schema.js'
import { readAhead } from './read-ahead.js'
import { RegionBuffer } from './region-buffer.js'
import type { SplitFile } from './resolve.js'
import type { SplitPass } from './split-pass.js'

/** What one pass over a split's Parquet files reads. */
export type ParquetPass = SplitPass

/** A file open for one pass. */
interface OpenFile {
  file: SplitFile
  index: number
  reader: HttpRangeReader
  buffer: RegionBuffer
  metadata: FileMetaData
  /** Columns decoded: the selection plus the filter's columns. */
  readColumns: string[]
  readFields: Field[]
  outColumns: string[]
}

/** One row group of one file, its bytes requested when the unit was made. */
interface Unit {
  open: OpenFile
  groupIndex: number
  groupStart: number
  groupRows: number
  ranges: { startByte: number; endByte: number }[]
  /** Bytes requested. */
  bytes: number
  /** Resolves to the bytes requested once they all arrived. */
  ready: Promise<number>
  /** True for the file's last unit: the file closes after it. */
  last: boolean
}

/**
 * Streams a split's Parquet files as batches of exactly `ctx.batchSize` rows (the last may be
 * shorter): row group by row group, only the selected columns' bytes, row groups whose
 * statistics rule the filter out never fetched, and up to `readAhead` row groups requested ahead
 * of decoding (across files, so the next footer is read while this file is still decoding).
 */
export async function* readParquet(pass: ParquetPass, ctx: ReadContext): AsyncGenerator<RecordBatch> {
  const opened = new Set<OpenFile>()
  const acc = new BatchAccumulator(ctx.batchSize)
  const units = readAhead(planUnits(pass, ctx, opened), {
    depth: pass.readAhead,
    maxBytes: pass.readAheadBytes,
    sizeOf: (unit: Unit) => unit.bytes,
  })
  try {
    for await (const unit of units) {
      const batch = await decodeUnit(pass, unit, ctx)
      if (unit.last) await closeFile(unit.open, opened)
      if (batch && batch.numRows > 0) yield* acc.push(batch)
    }
    const rest = acc.flush()
    if (rest) yield rest
  } catch (err) {
    throw withTokenHint(err, pass.dataset)
  } finally {
    await units.return(undefined)
    for (const open of opened) await closeFile(open, opened)
  }
}

async function* planUnits(pass: ParquetPass, ctx: ReadContext, opened: Set<OpenFile>): AsyncGenerator<Unit> {
  // the next file's footer, requested once this file's reading is under way
  let nextOpen: Promise<OpenFile> | undefined
  try {
    for (const [index, file] of pass.files.entries()) {
      const open = await (nextOpen ?? openFile(pass, file, index, ctx, opened))
      nextOpen = undefined
      const { groups } = parquetPlanGroups({
        file: open.buffer.asyncBuffer,
        metadata: open.metadata,
        columns: open.readColumns,
        ...(pass.filters ? { filter: pass.filters } : {}),
      })
      if (groups.length === 0) {
        await closeFile(open, opened)
        continue
      }
      for (const [i, group] of groups.entries()) {
        const { fetches } = parquetPlanGroup({
          rowGroup: group.rowGroup,
          groupStart: group.groupStart,
          groupRows: group.groupRows,
          ranges: [[0, group.groupRows]],
          columns: open.readColumns,
        })
        const ready = Promise.all(fetches.map((f) => open.buffer.fetch(f.startByte, f.endByte))).then(
          (parts) => parts.reduce((sum, p) => sum + p.byteLength, 0),
        )
        ready.catch(() => undefined)
        yield {
          open,
          groupIndex: group.groupIndex,
          groupStart: group.groupStart,
          groupRows: group.groupRows,
          ranges: fetches,
          bytes: fetches.reduce((sum, f) => sum + f.endByte - f.startByte, 0),
          ready,
          last: i === groups.length - 1,
        }
        // resumed when the next unit is wanted: after the first batch, so that batch costs nothing extra
        const following = pass.files[index + 1]
        if (i === 0 && following) {
          nextOpen = openFile(pass, following, index + 1, ctx, opened)
          nextOpen.catch(() => undefined)
        }
      }
    }
  } finally {
    if (nextOpen)
      await nextOpen.then(
        (o) => closeFile(o, opened),
        () => undefined,
      )
  }
}

async function openFile(
  pass: ParquetPass,
  file: SplitFile,
  index: number,
  ctx: ReadContext,
  opened: Set<OpenFile>,
): Promise<OpenFile> {
  const reader = await pass.hubFiles.open(file, ctx.cache, ctx.signal)
  try {
    const buffer = new RegionBuffer(reader, ctx.signal)
    const metadata = await pass.hubFiles.footer(file, buffer, ctx.cache !== undefined)
    const fields = parquetFields(metadata)
    const names = fields.map((f) => f.name)
    const outColumns = pass.columns ?? names
    const filterColumns = columnsNeededForFilter(pass.filters)
    for (const [column, role] of [
      ...outColumns.map((c) => [c, 'columns'] as const),
      ...filterColumns.map((c) => [c, 'filters'] as const),
    ]) {
      if (!names.includes(column)) {
        throw new NotFoundError(
          `${role} names column "${column}", which ${file.path} does not have; its columns are: ${names.join(', ')}`,
          { code: 'HF_COLUMN_NOT_FOUND', location: { url: file.url, column } },
        )
      }
    }
    const wanted = new Set([...outColumns, ...filterColumns])
    const readColumns = names.filter((n) => wanted.has(n))
    const readFields = fields.filter((f) => wanted.has(f.name))
    const open = { file, index, reader, buffer, metadata, readColumns, readFields, outColumns }
    opened.add(open)
    return open
  } catch (err) {
    await reader.close()
    throw err
  }
}

async function closeFile(open: OpenFile, opened: Set<OpenFile>): Promise<void> {
  if (!opened.delete(open)) return
  open.buffer.clear()
  await open.reader.close()
}

async function decodeUnit(pass: ParquetPass, unit: Unit, ctx: ReadContext): Promise<RecordBatch | undefined> {
  const { open, groupStart, groupRows } = unit
  ctx.countBytes(await unit.ready)
  const chunks = new Map<string, ColumnData[]>()
  try {
    await parquetRead({
      file: open.buffer.asyncBuffer,
      metadata: open.metadata,
      columns: open.readColumns,
      rowStart: groupStart,
      rowEnd: groupStart + groupRows,
      compressors,
      utf8: false,
      onChunk: (chunk) => {
        const list = chunks.get(chunk.columnName)
        if (list) list.push(chunk)
        else chunks.set(chunk.columnName, [chunk])
      },
    })
  } catch (err) {
    if (isSdError(err) || ctx.signal.aborted) throw err
    const detail = err instanceof Error ? err.message : String(err)
    throw new FormatError(`Could not decode a Parquet row group: ${detail}`, {
      code: 'HF_PARQUET_INVALID',
      cause: err,
      location: { url: open.file.url, rowGroup: unit.groupIndex },
    })
  } finally {
    for (const r of unit.ranges) open.buffer.drop(r.startByte, r.endByte)
  }
  const columns: Record<string, Column> = {}
  for (const field of open.readFields) {
    columns[field.name] = typedIfDense(
      assemble(chunks.get(field.name) ?? [], groupStart, groupRows, open, unit.groupIndex, field.name),
      field.type,
    )
  }
  let batch = RecordBatch.fromColumns(columns, open.readFields)
  if (pass.filters) batch = batch.filter(filterMask(batch, pass.filters))
  if (open.readColumns.length !== open.outColumns.length || pass.columns)
    batch = batch.select(open.outColumns)
  return batch
}

/** The decoded pieces of one column as one column of exactly the row group's rows. */
function assemble(
  chunks: ColumnData[],
  groupStart: number,
  groupRows: number,
  open: OpenFile,
  groupIndex: number,
  name: string,
): Column {
  chunks.sort((a, b) => a.rowStart - b.rowStart)
  const first = chunks[0]
  const last = chunks.at(-1)
  if (!first || !last || first.rowStart > groupStart || last.rowEnd < groupStart + groupRows) {
    throw new FormatError(`Expected ${groupRows} rows in column "${name}", the row group decoded fewer`, {
      code: 'HF_PARQUET_INVALID',
      location: { url: open.file.url, rowGroup: groupIndex, column: name },
    })
  }
  const whole =
    chunks.length === 1
      ? (first.columnData as Column)
      : chunks.flatMap((c) => Array.from(c.columnData as ArrayLike<unknown>))
  const from = groupStart - first.rowStart
  if (from === 0 && whole.length === groupRows) return whole
  return ArrayBuffer.isView(whole)
    ? whole.subarray(from, from + groupRows)
    : whole.slice(from, from + groupRows)
}

/** The rows that match `filters` exactly (statistics only proved the row group may hold some). */
function filterMask(batch: RecordBatch, filters: HuggingFaceFilter): Uint8Array {
  const names = columnsNeededForFilter(filters)
  const columns = names.map((n) => batch.data(n))
  const record: Record<string, unknown> = Object.create(null)
  const mask = new Uint8Array(batch.numRows)
  for (let i = 0; i < batch.numRows; i++) {
    for (let c = 0; c < names.length; c++) record[names[c] as string] = columns[c]?.get(i)
    mask[i] = matchFilter(record, filters) ? 1 : 0
  }
  return mask
}
