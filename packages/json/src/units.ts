import {
  type ByteRangeUnit,
  byteRangeUnits,
  type DataUnit,
  lineSpan,
  type RangeReader,
  type ReadContext,
  type RecordBatch,
  type RecordCounters,
  readRange,
  skipRows,
  type TextSource,
} from '@sd/core'
import { ColumnBuilder, MAX_BATCH_BYTES } from './column-builder.js'
import type { ColumnPlan } from './infer-schema.js'
import { NdjsonReader } from './ndjson-reader.js'
import type { ResolvedJsonOptions } from './options.js'
import { decideFormat, firstSignificantByte } from './sniff.js'

/** The id of the one unit of a source that cannot be split (a stream, gzip, an array document). */
export const WHOLE = 'whole'

const HEAD_BYTES = 64 * 1024

/** True for a line-aligned byte range unit. */
export function isRangeUnit(unit: DataUnit): unit is ByteRangeUnit {
  const u = unit as Partial<ByteRangeUnit>
  return typeof u.start === 'number' && typeof u.end === 'number'
}

/**
 * The units of an opened source: line-aligned byte ranges of `unitBytes` for plain NDJSON read by
 * range, else the whole source as one unit. Ids name the file by its last path segment, so the
 * same file read from another folder or from S3 lists the same units.
 */
export async function jsonUnits(
  text: TextSource,
  options: ResolvedJsonOptions,
  signal: AbortSignal | undefined,
): Promise<DataUnit[]> {
  const reader = text.reader
  if (reader === undefined) return [{ id: WHOLE }]
  const head = await reader.read(0, Math.min(reader.byteLength, HEAD_BYTES), signal)
  const first = firstSignificantByte([head])
  if (first === -1 || decideFormat(options.format, options.path, first) !== 'ndjson')
    return [{ id: WHOLE, bytes: reader.byteLength }]
  const name = text.name.split(/[/\\]/).at(-1) ?? text.name
  return byteRangeUnits(name, reader.byteLength, options.unitBytes)
}

/** What reading a range unit needs from the loader. */
export interface RangeUnitRead {
  text: TextSource & { reader: RangeReader }
  options: ResolvedJsonOptions
  counters: RecordCounters
  /** The columns a whole pass would have (decided from the start of the file). */
  plans: readonly ColumnPlan[]
}

/** The records of the lines that start within a range unit, from record `offset` on. */
export async function* readRangeUnit(
  unit: ByteRangeUnit,
  offset: number,
  ctx: ReadContext,
  { text, options, counters, plans }: RangeUnitRead,
): AsyncGenerator<RecordBatch> {
  const [start, end] = await lineSpan(text.reader, unit.start, unit.end, ctx.signal)
  const reader = new NdjsonReader({
    at: text.location,
    onBadRecord: options.onBadRecord,
    maxRecordBytes: options.maxRecordBytes,
    counters,
    start: { byte: start },
  })
  const builder = new ColumnBuilder({
    batchSize: ctx.batchSize,
    maxBatchBytes: MAX_BATCH_BYTES,
    columns: options.columns,
    columnTypes: options.columnTypes,
    int64: options.int64,
    onBadValue: options.onBadValue,
    onSkip: options.onSkip,
    counters,
    locate: (line) => reader.locate(line),
    plans,
  })
  const chunks = readRange(text.reader, start, end, {
    chunkBytes: options.chunkBytes,
    signal: ctx.signal,
    onBytes: (n) => ctx.countBytes(n),
  })
  async function* batches(): AsyncGenerator<RecordBatch> {
    for await (const chunk of chunks) {
      reader.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength))
      while (reader.fill(builder)) yield builder.take() as RecordBatch
    }
    reader.end()
    while (reader.fill(builder)) yield builder.take() as RecordBatch
    const last = builder.take()
    if (last) yield last
  }
  yield* skipRows(batches(), offset)
}

/** The columns a whole pass over `text` decides from its first batch of records. */
export async function filePlans(
  text: TextSource & { reader: RangeReader },
  options: ResolvedJsonOptions,
  batchSize: number,
  signal: AbortSignal | undefined,
): Promise<ColumnPlan[]> {
  // counted nowhere: a whole pass counts these records' problems when it reads them
  const counters = { skippedRecords: 0, nulledValues: 0 }
  const reader = new NdjsonReader({
    at: text.location,
    onBadRecord: options.onBadRecord,
    maxRecordBytes: options.maxRecordBytes,
    counters,
  })
  const builder = new ColumnBuilder({
    batchSize,
    maxBatchBytes: MAX_BATCH_BYTES,
    columns: options.columns,
    columnTypes: options.columnTypes,
    int64: options.int64,
    onBadValue: options.onBadValue,
    onSkip: undefined,
    counters,
    locate: (line) => reader.locate(line),
  })
  const chunks = readRange(text.reader, 0, text.reader.byteLength, { chunkBytes: options.chunkBytes, signal })
  for await (const chunk of chunks) {
    reader.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength))
    if (reader.fill(builder)) break
  }
  if (builder.plans === undefined) {
    reader.end()
    reader.fill(builder)
    builder.take()
  }
  return [...(builder.plans ?? [])]
}
