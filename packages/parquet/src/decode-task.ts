import type { HttpOptions } from '@sd/core'
import type { ReadTuning } from './group-reader.js'
import type { PageSelection } from './group-task.js'
import type { ParquetFilter } from './options.js'

/** Where a decode worker gets a row group's bytes. */
export type TaskSource =
  /** A local file the worker opens itself (`version` checked: size and mtime). */
  | { kind: 'file'; path: string; version: string }
  /** A URL the worker reads with range requests (its ETag must still match). */
  | { kind: 'url'; url: string; byteLength: number; etag: string; http: HttpOptions }
  /** Bytes the main thread read (a caller's range reader, a custom `fetch`): `[start, start + bytes.length)`. */
  | { kind: 'bytes'; byteLength: number; ranges: { start: number; bytes: Uint8Array }[] }

/** One row group for a decode worker: its file, what to read, and how to cut it. */
export interface DecodeTask {
  /** Index of the task in the pass (echoed back). */
  job: number
  /** Identifies the file and version, to reuse its parsed footer across tasks. */
  key: string
  /** Path or URL, for error messages. */
  name: string
  /** The footer's bytes (metadata, length, `PAR1`), in memory shared by every task of the file. */
  footer: Uint8Array
  int64: 'bigint' | 'number'
  rowGroup: number
  /** File columns to decode. */
  columns: string[]
  /** Columns the batches carry (the rest were read for the filter). */
  keep: string[]
  /** Rows of each piece, in order. */
  sizes: number[]
  filter: { filters: ParquetFilter; strict: boolean; partition: [string, unknown][] } | undefined
  /** The rows and pages the page index keeps (absent: the whole row group). */
  selection: PageSelection | undefined
  source: TaskSource
  tuning: ReadTuning
}

/** One decoded, filtered piece of a row group, as a worker sends it. */
export interface PieceMessage {
  job: number
  /** Rows decoded, and kept by the filter. */
  rows: number
  kept: number
  /** Source bytes read for this piece (since the previous one). */
  bytes: number
  /** True for the row group's last piece. */
  last: boolean
  /** The `keep` columns as `columnToMessage` made them. */
  columns: Record<string, unknown>[]
}
