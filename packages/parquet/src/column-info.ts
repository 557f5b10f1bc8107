import type { ColumnData, Field } from '@sd/core'
import type { DecodedArray, SchemaElement } from 'hyparquet'
import type { BinaryOut } from './binary-out.js'
import type { BoolOut, FixedOut } from './column-out.js'
import type { PageContext } from './page.js'
import type { VectorLayout } from './vector-chunk.js'

/** The output of one batch of a flat column while it is decoded. */
export type ColumnOut = FixedOut | BoolOut | BinaryOut

/** How a flat column is decoded and what it becomes. */
export interface FlatColumnSpec {
  ctx: PageContext
  /** A fresh output for `n` rows (with a validity bitmap when `nulls`). */
  makeOut(n: number, nulls: boolean): ColumnOut
  /** The batch column of a filled output (logical conversions happen here). */
  finish(out: ColumnOut): ColumnData
}

/** How one top-level Parquet column is read and what it becomes. */
export interface ColumnInfo {
  name: string
  field: Field
  /** One leaf, not repeated: decoded page by page into sd's layout. Otherwise the whole row group at once. */
  flat: boolean
  /** Indexes of its leaf column chunks in a row group's `columns`. */
  leaves: number[]
  /** The leaf element (flat columns), or the column's own element. */
  element: SchemaElement
  /** Why the column cannot be read, when it cannot. */
  unsupported: string | undefined
  /** How a flat column's pages decode. */
  spec: FlatColumnSpec | undefined
  /**
   * A `vector` column stored as a LIST of FLOAT: read straight from its levels and floats into one
   * `Float32Array` (see `readVectorChunk`) instead of assembled by hyparquet.
   */
  vector?: VectorLayout | undefined
  /** Turns a nested column's assembled values (lists, maps, structs) into its batch column. */
  finishNested: (values: DecodedArray) => ColumnData
}
