import type { RecordBatch } from '@sd/core'
import { parquetReadObjects } from 'hyparquet'
import { compressors } from 'hyparquet-compressors'
import { parquetWriteBuffer } from 'hyparquet-writer'

/** A deterministic pseudo-random 32-bit value for `i` (no state). */
export function hash(i: number): number {
  let x = Math.imul(i + 1, 2654435761) >>> 0
  x = Math.imul(x ^ (x >>> 16), 0x45d9f3b) >>> 0
  return (x ^ (x >>> 16)) >>> 0
}

/** Text of `length` characters that does not compress (so byte counts stay meaningful). */
export function noiseText(i: number, length: number): string {
  let s = ''
  for (let k = 0; s.length < length; k++) s += hash(i * 131 + k).toString(36)
  return s.slice(0, length)
}

/** Options of {@link parquetRows}. */
export interface RowsSpec {
  /** First id. */
  start: number
  count: number
  rowGroupSize: number
  /** Characters of the incompressible `text` column (0 leaves it out). */
  textLength?: number
}

/**
 * A Parquet file (written by hyparquet-writer) of rows `id` (INT32, required), `score` (DOUBLE),
 * `label` (STRING), `maybe` (INT64 with a null every 7th row) and optionally `text`.
 */
export function parquetRows(spec: RowsSpec): Uint8Array {
  const { start, count, rowGroupSize, textLength = 0 } = spec
  const ids = Int32Array.from({ length: count }, (_, k) => start + k)
  const columnData = [
    { name: 'id', data: ids, type: 'INT32' as const, nullable: false },
    { name: 'score', data: Float64Array.from(ids, (i) => (hash(i) % 10_000) / 100), type: 'DOUBLE' as const },
    { name: 'label', data: Array.from(ids, (i) => `label-${i % 5}`), type: 'STRING' as const },
    {
      name: 'maybe',
      data: Array.from(ids, (i) => (i % 7 === 0 ? null : BigInt(i) * 1000n)),
      type: 'INT64' as const,
    },
  ]
  if (textLength > 0)
    columnData.push({
      name: 'text',
      data: Array.from(ids, (i) => noiseText(i, textLength)),
      type: 'STRING' as const,
    })
  return new Uint8Array(parquetWriteBuffer({ columnData, rowGroupSize }))
}

/** The rows of Parquet files read directly with hyparquet: the independent answer. */
export async function readDirect(
  files: Uint8Array[],
  options: { columns?: string[] } = {},
): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = []
  for (const bytes of files) {
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
    rows.push(...(await parquetReadObjects({ file: buffer, compressors, utf8: false, ...options })))
  }
  return rows
}

/** Every batch of one pass. */
export async function collect(ds: AsyncIterable<RecordBatch>): Promise<RecordBatch[]> {
  const out: RecordBatch[] = []
  for await (const batch of ds) out.push(batch)
  return out
}
