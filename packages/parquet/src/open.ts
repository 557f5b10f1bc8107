import { type Field, FormatError, mapConcurrent, ValidationError } from '@sd/core'
import { loadCodecs } from './codecs.js'
import type { ColumnInfo } from './column-info.js'
import { filterColumns } from './filter.js'
import { type PartitionColumn, typePartitions } from './hive.js'
import type { ParquetSource, ResolvedParquetOptions } from './options.js'
import { checkReadable, openPart, type ParquetPart, partLocation, type ReaderOptions } from './parts.js'
import { resolveSource } from './sources.js'

/** A column of the batches: a file column or a Hive partition column. */
export type Output =
  | { kind: 'file'; name: string; field: Field }
  | { kind: 'partition'; index: number; field: Field }

/** What the footers told at open: the files, the batch schema and what to read. */
export interface Opened {
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
}

const OPEN_CONCURRENCY = 8

/**
 * Lists the files of `source`, reads their footers (a few at a time), and checks what they say
 * against each other and the options: the same columns and types in every file, the columns and
 * filter columns asked for exist, every selected chunk can be read.
 */
export async function openSource(
  source: ParquetSource,
  parquet: ResolvedParquetOptions,
  reader: ReaderOptions,
  signal: AbortSignal | undefined,
  count: (bytes: number) => void,
): Promise<Opened> {
  const [resolved] = await Promise.all([resolveSource(source, signal, parquet), loadCodecs()])
  const parts = await mapConcurrent(resolved.entries, OPEN_CONCURRENCY, (entry) =>
    openPart(entry, reader, signal, count),
  )
  const first = parts[0] as ParquetPart
  const fileFields = sameColumns(parts)
  // a partition key that is also a column in the files: the file's values win
  const partitions = typePartitions(resolved.entries.map((e) => e.partition)).filter(
    (p) => !first.byName.has(p.field.name),
  )
  const available = [...fileFields.map((f) => f.name), ...partitions.map((p) => p.field.name)]
  const { columns, filters } = parquet
  for (const name of columns ?? []) {
    if (!available.includes(name)) {
      throw new ValidationError(`Unknown column "${name}": expected one of [${available.join(', ')}]`, {
        code: 'UNKNOWN_COLUMN',
        location: { ...partLocation(first.entry), column: name },
      })
    }
  }
  const needed = filterColumns(filters)
  for (const name of needed) {
    if (!available.includes(name)) {
      throw new ValidationError(
        `The filter uses column "${name}", which does not exist: expected one of [${available.join(', ')}]`,
        { code: 'UNKNOWN_COLUMN', location: { ...partLocation(first.entry), column: name } },
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
  for (const part of parts) {
    checkReadable(
      part,
      readNames.map((n) => part.byName.get(n) as ColumnInfo),
    )
  }
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
  }
}

/** The fields of the first file, when every file has the same columns and types (nullable if any is). */
function sameColumns(parts: readonly ParquetPart[]): Field[] {
  const first = parts[0] as ParquetPart
  const fields = first.columns.map((c) => ({ ...c.field }))
  for (const part of parts.slice(1)) {
    const mismatch = (column: string | undefined) =>
      new FormatError(
        `Expected the same columns as ${first.entry.name} (${describe(first.columns)}), got (${describe(part.columns)})`,
        {
          code: 'PARQUET_SCHEMA_MISMATCH',
          location: { ...partLocation(part.entry), ...(column ? { column } : {}) },
        },
      )
    for (const [i, field] of fields.entries()) {
      const other = part.columns[i]
      if (!other || other.name !== field.name || other.field.type !== field.type) {
        throw mismatch(other?.name ?? field.name)
      }
      field.nullable ||= other.field.nullable
    }
    if (part.columns.length !== fields.length) throw mismatch(undefined)
  }
  return fields
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
    const validity = out.field.nullable ? rows / 8 : 0
    switch (out.field.type) {
      case 'bool':
        total += rows / 8 + validity
        break
      case 'int8':
      case 'uint8':
        total += rows + validity
        break
      case 'int16':
      case 'uint16':
        total += rows * 2 + validity
        break
      case 'int32':
      case 'uint32':
      case 'float32':
      case 'date':
        total += rows * 4 + validity
        break
      case 'int64':
      case 'uint64':
      case 'float64':
      case 'timestamp':
        total += rows * 8 + validity
        break
      case 'string':
      case 'binary':
        // offsets, and the bytes (at most what the pages hold uncompressed)
        total += rows * 4 + uncompressed + validity
        break
      default:
        // one pointer and one object header per value, plus its bytes
        total += rows * 32 + uncompressed
    }
  }
  return total
}
