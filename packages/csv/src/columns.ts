import {
  BatchBuilder,
  BOOL_KIND,
  type Field,
  FLOAT64_KIND,
  INT32_KIND,
  INT64_KIND,
  STRING_KIND,
} from '@sd/core'
import { parseBool, parseFloat64, parseInt32, parseInt64 } from './values.js'

/** How a CSV column's text is parsed (and stored: int64 read as numbers is stored as float64). */
export const STRING = STRING_KIND
export const INT32 = INT32_KIND
export const INT64 = INT64_KIND
export const FLOAT64 = FLOAT64_KIND
export const BOOL = BOOL_KIND
/** int64 literals stored as float64 numbers (`int64: 'number'`). */
export const INT64_NUMBER = 16

/** One output column of a batch: its field, how it is parsed, and where it sits in a record. */
export interface ColumnSpec {
  name: string
  /** The field's type (`float64` for int64 read as numbers). */
  type: Field['type']
  /** How its text is parsed: `STRING`, `INT32`, `INT64`, `INT64_NUMBER`, `FLOAT64` or `BOOL`. */
  kind: number
  /** Index of the field in each record. */
  source: number
}

/** The columns of one CSV batch: core's {@link BatchBuilder} plus parsing a field's bytes by type. */
export class CsvColumns extends BatchBuilder {
  readonly specs: readonly ColumnSpec[]
  /** Per column: how its text is parsed. */
  readonly parseKinds: Uint8Array

  constructor(specs: readonly ColumnSpec[], maxRows: number) {
    super(
      specs.map((s) => ({
        name: s.name,
        type: s.type,
        kind: s.kind === INT64_NUMBER ? FLOAT64_KIND : s.kind,
      })),
      maxRows,
    )
    this.specs = specs
    this.parseKinds = Uint8Array.from(specs, (s) => s.kind)
  }

  /**
   * Parses `src[start, end)` into column `c` of the current row as the column's type. An empty
   * field is null in a typed column, and in a string column when `emptyNull`. Returns false (and
   * writes nothing) when the text does not fit the type.
   */
  setField(c: number, src: Uint8Array, start: number, end: number, emptyNull: boolean): boolean {
    const kind = this.parseKinds[c]
    if (start === end && (kind !== STRING || emptyNull)) {
      this.setNull(c)
      return true
    }
    const r = this.rows
    switch (kind) {
      case STRING:
        this.setString(c, src, start, end)
        return true
      case INT32: {
        const v = parseInt32(src, start, end)
        if (v === undefined) return false
        ;(this.i32[c] as Int32Array)[r] = v
        return true
      }
      case FLOAT64: {
        const v = parseFloat64(src, start, end)
        if (v === undefined) return false
        ;(this.f64[c] as Float64Array)[r] = v
        return true
      }
      case INT64: {
        const v = parseInt64(src, start, end)
        if (v === undefined) return false
        this.setInt64(c, v)
        return true
      }
      case INT64_NUMBER: {
        const v = parseInt64(src, start, end)
        if (v === undefined) return false
        ;(this.f64[c] as Float64Array)[r] = Number(v)
        return true
      }
      default: {
        const v = parseBool(src, start, end)
        if (v === undefined) return false
        this.setBool(c, v === 1)
        return true
      }
    }
  }
}
