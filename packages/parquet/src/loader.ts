import {
  BatchAccumulator,
  type ColumnData,
  type DatasetStats,
  type DataUnit,
  type Field,
  FormatError,
  type ReadContext,
  RecordBatch,
  type Row,
  StateError,
  StreamingDataLoader,
  throwIfAborted,
  ValidationError,
} from '@sd/core'
import { type ByteSource, byteSource } from './byte-source.js'
import type { ColumnInfo } from './column-info.js'
import { canSkip, filterColumns, filterMask, filterValues } from './filter.js'
import { rowGroupSpan } from './footer.js'
import { GroupReader, type GroupTask, type ReadTuning, taskBytes, upfrontBytes } from './group-reader.js'
import { constantColumn, type PartitionColumn, typePartitions } from './hive.js'
import {
  type ParquetLoaderOptions,
  type ParquetMetadata,
  type ParquetScanStats,
  type ParquetSource,
  type ResolvedParquetOptions,
  resolveParquetOptions,
} from './options.js'
import {
  checkReadable,
  openPart,
  type ParquetPart,
  partLocation,
  type ReaderOptions,
  reopenPart,
} from './parts.js'
import { checkSource, resolveSource } from './sources.js'

/** {@link ParquetStreamingLoader.getStats}: the shared stats plus the Parquet counters. */
export interface ParquetDatasetStats extends DatasetStats {
  parquet: ParquetScanStats
}

/** What the footers told at open. */
interface Opened {
  label: string
  isDirectory: boolean
  parts: ParquetPart[]
  /** Partition columns not shadowed by a file column. */
  partitions: PartitionColumn[]
  /** Output columns, in order. */
  outputs: Output[]
  schema: Field[]
  /** File columns to read (outputs and filter columns), by name. */
  readNames: string[]
  numRows: number
  numRowGroups: number
  fileSizeBytes: number
  /** Estimated bytes of every batch of a pass, decoded. */
  decodedBytes: number
  /** Type of every file column, by name. */
  schemaTypes: Map<string, Field['type']>
}

type Output =
  | { kind: 'file'; name: string; field: Field }
  | { kind: 'partition'; index: number; field: Field }

const MIB = 1024 * 1024
const LOCAL: ReadTuning = { coalesceBytes: 8 * MIB, windowBytes: 64 * 1024, gapBytes: 64 * 1024, local: true }
const REMOTE: ReadTuning = { coalesceBytes: 16 * MIB, windowBytes: 4 * MIB, gapBytes: 1 * MIB, local: false }
/** Default cap of compressed bytes read ahead, when `prefetchBytes` is not set. */
const READ_AHEAD_BYTES = 64 * MIB
const OPEN_CONCURRENCY = 8

/**
 * Streams Parquet files, directories and URLs as {@link RecordBatch}es of exactly `batchSize`
 * rows (the last may be shorter), one row group or row range at a time, with projection,
 * statistics pruning and exact row filtering.
 *
 * Footers are read by {@link ParquetStreamingLoader.open} (or the first pass, `getSchema()` or
 * `getMetadata()`); `length` needs `open()` first. Errors the footer can reveal (a missing or
 * truncated file, an unknown column, an unsupported codec) surface there; a corrupt page fails
 * the batch that reads it.
 *
 * @example
 * ```ts
 * const loader = await ParquetStreamingLoader.open('data/', { columns: ['id', 'value'], filters: { value: { $gt: 10 } } })
 * console.log(loader.length, loader.schema)
 * for await (const batch of loader.toDataset()) console.log(batch.numRows)
 * console.log(loader.getStats().parquet.rowGroupsSkipped)
 * ```
 */
export class ParquetStreamingLoader<R extends Row = Row> extends StreamingDataLoader<R, ParquetDatasetStats> {
  /** The source as given. */
  readonly source: ParquetSource
  readonly #parquet: ResolvedParquetOptions
  readonly #scan: ParquetScanStats = {
    rowGroupsRead: 0,
    rowGroupsSkipped: 0,
    bytesRead: 0,
    bytesSkipped: 0,
    rowsDecoded: 0,
    rowsFiltered: 0,
  }
  #opened: Opened | undefined
  #opening: Promise<Opened> | undefined
  /** Row groups by unit id, from the last `listUnits`. */
  #units: Map<string, { index: number; task: GroupTask }> | undefined

  constructor(source: ParquetSource, options: ParquetLoaderOptions = {}) {
    super(options)
    checkSource(source)
    this.source = source
    this.#parquet = resolveParquetOptions(options)
  }

  /** A loader whose footers are read: `length`, `schema` and `getMetadata()` answer at once. */
  static async open<R extends Row = Row>(
    source: ParquetSource,
    options: ParquetLoaderOptions = {},
  ): Promise<ParquetStreamingLoader<R>> {
    const loader = new ParquetStreamingLoader<R>(source, options)
    await loader.open()
    return loader
  }

  /**
   * Lists the files and reads their footers (once; later calls return at once). Rejects with the
   * `SdError` of the first problem the footers reveal.
   */
  async open(signal?: AbortSignal): Promise<this> {
    if (!this.#opened) {
      this.#opening ??= this.#open(signal ?? this.options.signal).catch((err: unknown) => {
        this.#opening = undefined
        throw err
      })
      this.#opened = await this.#opening
    }
    return this
  }

  /** True once {@link ParquetStreamingLoader.open} succeeded. */
  get isOpen(): boolean {
    return this.#opened !== undefined
  }

  /** Rows in all files, from the footers (before `filters`). Requires {@link ParquetStreamingLoader.open}. */
  get length(): number {
    return this.#require('length').numRows
  }

  /** The batch schema. Requires {@link ParquetStreamingLoader.open}. */
  get schema(): Field[] {
    return this.#require('schema').schema
  }

  /** The batch schema, from the footers (opens the source if needed). */
  override async getSchema(): Promise<Field[]> {
    await this.open()
    return this.#require('getSchema').schema
  }

  /** Sizes, row counts, schema and writer of the source, from the footers (opens it if needed). */
  async getMetadata(): Promise<ParquetMetadata> {
    await this.open()
    const o = this.#require('getMetadata')
    return {
      path: o.label,
      isDirectory: o.isDirectory,
      numRows: o.numRows,
      numRowGroups: o.numRowGroups,
      schema: o.schema.map((f) => ({ ...f })),
      createdBy: o.parts[0]?.metadata.created_by,
      fileSizeBytes: o.fileSizeBytes,
      files: o.parts.map((p, i) => ({
        path: p.entry.name,
        numRows: Number(p.metadata.num_rows),
        numRowGroups: p.metadata.row_groups.length,
        fileSizeBytes: p.byteLength,
        createdBy: p.metadata.created_by,
        partition: Object.fromEntries(o.partitions.map((c) => [c.field.name, c.values[i]])),
        rowGroups: p.metadata.row_groups.map(rowGroupSpan),
      })),
    }
  }

  /** Throughput and cache stats, plus `parquet`: row groups and bytes read and skipped, over all passes. */
  override getStats(): ParquetDatasetStats {
    return { ...super.getStats(), parquet: { ...this.#scan } }
  }

  /**
   * Decoded batches are cached for repeat passes (the footers tell the key), when the whole pass is
   * estimated to fit in the cache; larger sources are not cached (they would only churn it).
   */
  protected override async cacheKey(): Promise<string | undefined> {
    const cache = this.cache
    if (!cache) return undefined
    const o = (await this.open()).#opened
    if (!o || o.decodedBytes > cache.maxSizeBytes) return undefined
    const p = this.#parquet
    return JSON.stringify(
      [
        'sd-parquet',
        o.parts.map((part) => [part.entry.name, part.version]),
        p.columns ?? null,
        p.filters ?? null,
        p.filterStrict,
        p.rowFormat,
        p.rowGroups ? [...p.rowGroups] : null,
        this.options.batchSize,
      ],
      (_key, value: unknown) => (typeof value === 'bigint' ? `${value}n` : value),
    )
  }

  protected override get sourceName(): string {
    return `ParquetStreamingLoader(${this.#opened?.label ?? String(this.source)})`
  }

  protected async *readBatches(ctx: ReadContext): AsyncGenerator<RecordBatch<R>> {
    const o = (await this.open(ctx.signal)).#opened as Opened
    const acc = new BatchAccumulator<R>(ctx.batchSize)
    const count = (bytes: number) => {
      this.#scan.bytesRead += bytes
      ctx.countBytes(bytes)
    }
    const shape =
      this.#parquet.rowFormat === 'object'
        ? (batch: RecordBatch<R>) => RecordBatch.fromRows<R>(batch.rows(), batch.schema)
        : (batch: RecordBatch<R>) => batch
    for (const [index, part] of o.parts.entries()) {
      throwIfAborted(ctx.signal)
      const tasks = this.#tasks(o, part, index)
      if (tasks.length === 0) continue
      const file = await reopenPart(part, this.#readerOptions(), ctx.signal)
      try {
        const source = byteSource(file, ctx.signal, count)
        for await (const group of this.#readAhead(source, tasks, part.entry.remote ? REMOTE : LOCAL)) {
          try {
            for await (const piece of this.#pieces(o, index, group, acc, ctx)) {
              for (const batch of acc.push(piece)) yield shape(batch)
            }
            this.#scan.rowGroupsRead++
          } finally {
            group.release()
          }
        }
      } finally {
        await file.close()
      }
    }
    const rest = acc.flush()
    if (rest) yield shape(rest)
  }

  /**
   * The row groups of every file, in read order, as the units a sharded dataset splits (row groups
   * that `rowGroups` leaves out or the statistics rule out under `filters` are not units). Rows come
   * from the footers (unknown under `filters`, which keep only some rows). Unit ids name files
   * relative to the directory or prefix, so a checkpoint taken over local files resumes over the
   * same files in S3.
   */
  override async listUnits(signal?: AbortSignal): Promise<DataUnit[]> {
    const o = (await this.open(signal)).#opened as Opened
    const units: DataUnit[] = []
    const found = new Map<string, { index: number; task: GroupTask }>()
    for (const [index, part] of o.parts.entries()) {
      const name = o.isDirectory
        ? part.entry.name.slice(o.label.length).replace(/^[/\\]+/, '')
        : (part.entry.name.split(/[/\\]/).at(-1) ?? part.entry.name)
      for (const task of this.#tasks(o, part, index)) {
        const id = `${name}#${task.rowGroup}`
        found.set(id, { index, task })
        units.push({ id, rows: this.#parquet.filters ? undefined : task.rows, bytes: taskBytes(task) })
      }
    }
    this.#units = found
    return units
  }

  /** The rows of one row group from row `offset` on (after `filters`). */
  override async *readUnit(unit: DataUnit, offset: number, ctx: ReadContext): AsyncGenerator<RecordBatch<R>> {
    const o = (await this.open(ctx.signal)).#opened as Opened
    if (!this.#units?.has(unit.id)) await this.listUnits(ctx.signal)
    const found = this.#units?.get(unit.id)
    if (found === undefined) {
      throw new ValidationError(`Expected row group "${unit.id}" in ${o.label}; it has none of that name`, {
        code: 'STATE_MISMATCH',
      })
    }
    const part = o.parts[found.index] as ParquetPart
    const count = (bytes: number) => {
      this.#scan.bytesRead += bytes
      ctx.countBytes(bytes)
    }
    const objects = this.#parquet.rowFormat === 'object'
    const file = await reopenPart(part, this.#readerOptions(), ctx.signal)
    try {
      const source = byteSource(file, ctx.signal, count)
      const group = new GroupReader(source, found.task, part.entry.remote ? REMOTE : LOCAL)
      try {
        let skip = offset
        const acc = new BatchAccumulator<R>(ctx.batchSize)
        for await (const piece of this.#pieces(o, found.index, group, acc, ctx)) {
          if (skip >= piece.numRows) {
            skip -= piece.numRows
            continue
          }
          const batch = skip > 0 ? piece.slice(skip) : piece
          skip = 0
          yield objects ? RecordBatch.fromRows<R>(batch.rows(), batch.schema) : batch
        }
        this.#scan.rowGroupsRead++
      } finally {
        group.release()
      }
    } finally {
      await file.close()
    }
  }

  /**
   * The row groups of one file in order, each one's reads started while earlier ones decode:
   * `prefetchBatches - 1` groups ahead, within `prefetchBytes` (64 MiB by default).
   */
  async *#readAhead(source: ByteSource, tasks: GroupTask[], tuning: ReadTuning): AsyncGenerator<GroupReader> {
    const depth = this.options.prefetchBatches >= 2 ? this.options.prefetchBatches - 1 : 0
    const budget = this.options.prefetchBytes ?? READ_AHEAD_BYTES
    const ahead: GroupReader[] = []
    let next = 0
    const start = () => new GroupReader(source, tasks[next++] as GroupTask, tuning)
    try {
      while (next < tasks.length || ahead.length > 0) {
        const group = ahead.shift() ?? start()
        let bytes = group.upfrontBytes
        for (const g of ahead) bytes += g.upfrontBytes
        while (ahead.length < depth && next < tasks.length) {
          const cost = upfrontBytes(tasks[next] as GroupTask, tuning)
          if (bytes + cost > budget) break
          ahead.push(start())
          bytes += cost
        }
        yield group
      }
    } finally {
      for (const group of ahead) group.release()
    }
  }

  /**
   * One row group as filtered, typed pieces. Without a filter a piece is exactly what the next
   * batch lacks, so most batches are pieces as they are, never copied.
   */
  async *#pieces(
    o: Opened,
    index: number,
    group: GroupReader,
    acc: BatchAccumulator<R>,
    ctx: ReadContext,
  ): AsyncGenerator<RecordBatch<R>> {
    const { filters, filterStrict } = this.#parquet
    let remaining = group.task.rows
    while (remaining > 0) {
      throwIfAborted(ctx.signal)
      const n = Math.min(remaining, filters ? ctx.batchSize : ctx.batchSize - acc.pendingRows)
      const raw = await group.take(n)
      remaining -= n
      this.#scan.rowsDecoded += n
      let mask: Uint8Array | undefined
      let kept = n
      if (filters) {
        mask = filterMask(filters, filterStrict, (name) => this.#filterValues(o, raw, name, index, n), n)
        kept = 0
        for (let i = 0; i < n; i++) kept += mask[i] as number
        this.#scan.rowsFiltered += n - kept
        if (kept === 0) continue
        if (kept === n) mask = undefined
      }
      yield this.#piece(o, index, raw, mask, kept)
    }
  }

  /** The row groups of a part to read; the others are counted as skipped. */
  #tasks(o: Opened, part: ParquetPart, index: number): GroupTask[] {
    const { filters, filterStrict, rowGroups } = this.#parquet
    const columns = o.readNames.map((name) => part.byName.get(name) as ColumnInfo)
    const partitions = o.partitions.map((c) => ({ name: c.field.name, value: c.values[index] }))
    const tasks: GroupTask[] = []
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
      if (filters && canSkip(group, part.physical, partitions, filters, filterStrict)) {
        this.#scan.rowGroupsSkipped++
        this.#scan.bytesSkipped += taskBytes(task)
        return
      }
      tasks.push(task)
    })
    return tasks
  }

  #filterValues(
    o: Opened,
    raw: Map<string, ColumnData>,
    name: string,
    partIndex: number,
    n: number,
  ): ArrayLike<unknown> | undefined {
    const data = raw.get(name)
    if (data !== undefined) return filterValues(data)
    const partition = o.partitions.find((c) => c.field.name === name)
    return partition ? new Array(n).fill(partition.values[partIndex]) : undefined
  }

  /** The output batch of decoded rows: filtered, with partition columns. */
  #piece(
    o: Opened,
    partIndex: number,
    raw: Map<string, ColumnData>,
    mask: Uint8Array | undefined,
    kept: number,
  ): RecordBatch<R> {
    const rows = mask ? mask.length : kept
    const columns = o.outputs.map((out) => {
      if (out.kind === 'file') return raw.get(out.name) as ColumnData
      const partition = o.partitions[out.index] as PartitionColumn
      return constantColumn(out.field, partition.values[partIndex], rows)
    })
    const batch = RecordBatch.fromData<R>(o.schema, columns)
    return mask ? batch.filter(mask) : batch
  }

  #readerOptions(): ReaderOptions {
    return { cache: this.cache, http: this.#parquet.http, int64: this.#parquet.int64, s3: this.#parquet.s3 }
  }

  #require(what: string): Opened {
    if (!this.#opened) {
      throw new StateError(
        `${what} needs the footers: await loader.open() (or ParquetStreamingLoader.open()) first`,
        {
          code: 'PARQUET_NOT_OPEN',
        },
      )
    }
    return this.#opened
  }

  async #open(signal: AbortSignal | undefined): Promise<Opened> {
    const resolved = await resolveSource(this.source, signal, this.#parquet)
    const count = (bytes: number) => {
      this.#scan.bytesRead += bytes
    }
    const options = this.#readerOptions()
    const parts: ParquetPart[] = new Array(resolved.entries.length)
    let next = 0
    const worker = async () => {
      while (next < resolved.entries.length) {
        const i = next++
        parts[i] = await openPart(
          resolved.entries[i] as (typeof resolved.entries)[number],
          options,
          signal,
          count,
        )
      }
    }
    await Promise.all(Array.from({ length: Math.min(OPEN_CONCURRENCY, resolved.entries.length) }, worker))

    const first = parts[0] as ParquetPart
    const fileFields = first.columns.map((c) => ({ ...c.field }))
    for (const part of parts.slice(1)) {
      for (const [i, field] of fileFields.entries()) {
        const other = part.columns[i]
        if (!other || other.name !== field.name || other.field.type !== field.type) {
          throw new FormatError(
            `Expected the same columns as ${first.entry.name} (${describe(first.columns)}), got (${describe(part.columns)})`,
            {
              code: 'PARQUET_SCHEMA_MISMATCH',
              location: { ...partLocation(part.entry), column: other?.name ?? field.name },
            },
          )
        }
        field.nullable ||= other.field.nullable
      }
      if (part.columns.length !== fileFields.length) {
        throw new FormatError(
          `Expected the same columns as ${first.entry.name} (${describe(first.columns)}), got (${describe(part.columns)})`,
          { code: 'PARQUET_SCHEMA_MISMATCH', location: partLocation(part.entry) },
        )
      }
    }
    // a partition key that is also a column in the files: the file's values win
    const partitions = typePartitions(resolved.entries.map((e) => e.partition)).filter(
      (p) => !first.byName.has(p.field.name),
    )
    const available = [...fileFields.map((f) => f.name), ...partitions.map((p) => p.field.name)]
    const { columns, filters } = this.#parquet
    for (const name of columns ?? []) {
      if (!available.includes(name)) {
        throw new ValidationError(`Unknown column "${name}": expected one of [${available.join(', ')}]`, {
          code: 'PARQUET_UNKNOWN_COLUMN',
          location: { ...partLocation(first.entry), column: name },
        })
      }
    }
    const needed = filterColumns(filters)
    for (const name of needed) {
      if (!available.includes(name)) {
        throw new ValidationError(
          `The filter uses column "${name}", which does not exist: expected one of [${available.join(', ')}]`,
          { code: 'PARQUET_UNKNOWN_FILTER_COLUMN', location: { ...partLocation(first.entry), column: name } },
        )
      }
    }
    const selected = columns ?? available
    const outputs: Output[] = selected.map((name) => {
      const p = partitions.findIndex((c) => c.field.name === name)
      if (p >= 0) return { kind: 'partition', index: p, field: (partitions[p] as PartitionColumn).field }
      return { kind: 'file', name, field: fileFields.find((f) => f.name === name) as Field }
    })
    const readNames = fileFields
      .map((f) => f.name)
      .filter((name) => selected.includes(name) || needed.includes(name))
    for (const part of parts)
      checkReadable(
        part,
        readNames.map((n) => part.byName.get(n) as ColumnInfo),
      )

    let numRows = 0
    let numRowGroups = 0
    let fileSizeBytes = 0
    let decodedBytes = 0
    for (const part of parts) {
      numRows += Number(part.metadata.num_rows)
      numRowGroups += part.metadata.row_groups.length
      fileSizeBytes += part.byteLength
      decodedBytes += estimateDecoded(part, outputs)
    }
    return {
      label: resolved.label,
      isDirectory: resolved.isDirectory,
      parts,
      partitions,
      outputs,
      schema: outputs.map((o) => ({ ...o.field })),
      readNames,
      numRows,
      numRowGroups,
      fileSizeBytes,
      decodedBytes,
      schemaTypes: new Map(fileFields.map((f) => [f.name, f.type])),
    }
  }
}

function describe(columns: readonly ColumnInfo[]): string {
  return columns.map((c) => `${c.name}: ${c.field.type}`).join(', ')
}

/** Bytes a pass's batches take decoded, estimated from the footer: typed widths, strings and objects by size. */
function estimateDecoded(part: ParquetPart, outputs: readonly Output[]): number {
  let total = 0
  const rows = Number(part.metadata.num_rows)
  for (const out of outputs) {
    if (out.kind === 'partition') {
      total += rows * 8
      continue
    }
    const info = part.byName.get(out.name) as ColumnInfo
    let uncompressed = 0
    for (const group of part.metadata.row_groups) {
      for (const leaf of info.leaves)
        uncompressed += Number(group.columns[leaf]?.meta_data?.total_uncompressed_size ?? 0)
    }
    switch (out.field.type) {
      case 'bool':
      case 'int8':
      case 'uint8':
        total += rows
        break
      case 'int16':
      case 'uint16':
        total += rows * 2
        break
      case 'int32':
      case 'uint32':
      case 'float32':
        total += rows * (out.field.nullable ? 8 : 4)
        break
      case 'int64':
      case 'uint64':
      case 'float64':
        total += rows * (out.field.nullable ? 16 : 8)
        break
      default:
        // one pointer and one object header per value, plus its bytes
        total += rows * 32 + uncompressed
    }
  }
  return total
}
