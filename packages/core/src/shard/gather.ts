import { allocBitmap, getBit, setBit } from '../columns/bitmap.js'
import { BoolColumn } from '../columns/bool.js'
import type { ColumnData } from '../columns/column-data.js'
import { concatColumnData } from '../columns/concat.js'
import { FixedColumn } from '../columns/fixed.js'
import { takeColumn } from '../columns/take.js'
import type { TypedColumn } from '../columns/types.js'
import { Utf8Column } from '../columns/utf8.js'
import { RecordBatch, type Row } from '../record-batch.js'
import type { Field } from '../schema.js'

/** The output rows one part supplies: output positions and the part's rows, in output order. */
interface Group {
  part: number
  out: Int32Array
  rows: Int32Array
}

/**
 * The rows of a shuffle block (slices of the units it was read from), gathered in any order
 * without joining the parts first: the output rows are grouped by the part they come from, and
 * each column is copied part by part, so every inner loop reads one array of one type (a loop
 * over rows that switches arrays at each row is several times slower). Columns whose parts do not
 * share a layout (dictionaries of different row groups, vectors, JSON) are joined, then taken.
 */
export class BlockRows<R extends Row> {
  readonly rows: number
  readonly #parts: readonly RecordBatch<R>[]
  readonly #partOf: Int32Array
  readonly #rowOf: Int32Array
  readonly #schema: Field[]
  /** Per column: the parts' columns when they are gathered in place, else undefined. */
  readonly #direct: (ColumnData[] | undefined)[]
  readonly #joined = new Map<number, ColumnData>()

  constructor(parts: readonly RecordBatch<R>[]) {
    this.#parts = parts
    let rows = 0
    for (const p of parts) rows += p.numRows
    this.rows = rows
    this.#partOf = new Int32Array(rows)
    this.#rowOf = new Int32Array(rows)
    let k = 0
    for (let p = 0; p < parts.length; p++) {
      const n = (parts[p] as RecordBatch<R>).numRows
      this.#partOf.fill(p, k, k + n)
      for (let r = 0; r < n; r++) this.#rowOf[k + r] = r
      k += n
    }
    const first = parts[0]
    const same =
      first !== undefined &&
      parts.every(
        (p) =>
          p.schema.length === first.schema.length &&
          p.schema.every((f, i) => f.name === first.schema[i]?.name && f.type === first.schema[i]?.type),
      )
    if (!same) {
      const joined = RecordBatch.concat(parts)
      this.#schema = joined.schema
      this.#direct = joined.schema.map(() => undefined)
      joined.columns().forEach((column, c) => {
        this.#joined.set(c, column)
      })
      return
    }
    this.#schema = first.schema.map((f, i) => ({
      ...f,
      nullable: parts.some((p) => p.schema[i]?.nullable === true),
    }))
    this.#direct = first.schema.map((_, c) => {
      const columns = parts.map((p) => p.columns()[c] as ColumnData)
      const kind = columns[0]?.kind
      const inPlace = kind === 'fixed' || kind === 'utf8' || kind === 'bool'
      return inPlace && columns.every((col) => col.kind === kind) ? columns : undefined
    })
  }

  /** Block rows `order[from..to)`, in that order, as one batch. */
  take(order: Int32Array, from: number, to: number): RecordBatch<R> {
    const groups = this.#groups(order, from, to)
    const n = to - from
    const columns = this.#direct.map((parts, c) =>
      parts === undefined ? takeColumn(this.#join(c), order.subarray(from, to)) : gather(parts, groups, n),
    )
    return RecordBatch.fromData<R>(this.#schema, columns)
  }

  #join(c: number): ColumnData {
    let joined = this.#joined.get(c)
    if (joined === undefined) {
      const parts = this.#parts.map((p) => p.columns()[c] as ColumnData)
      joined = concatColumnData(
        parts,
        parts.map((p) => p.length),
        this.#schema[c] as Field,
      )
      this.#joined.set(c, joined)
    }
    return joined
  }

  /** The output positions `[0, to - from)` grouped by the part their row comes from (counting sort). */
  #groups(order: Int32Array, from: number, to: number): Group[] {
    const parts = this.#parts.length
    const partOf = this.#partOf
    const rowOf = this.#rowOf
    const counts = new Int32Array(parts)
    for (let i = from; i < to; i++) {
      const p = partOf[order[i] as number] as number
      counts[p] = (counts[p] as number) + 1
    }
    const groups: Group[] = []
    const fill = new Int32Array(parts)
    const index = new Int32Array(parts).fill(-1)
    for (let p = 0; p < parts; p++) {
      const c = counts[p] as number
      if (c === 0) continue
      index[p] = groups.length
      groups.push({ part: p, out: new Int32Array(c), rows: new Int32Array(c) })
    }
    for (let i = from; i < to; i++) {
      const k = order[i] as number
      const p = partOf[k] as number
      const g = groups[index[p] as number] as Group
      const at = fill[p] as number
      g.out[at] = i - from
      g.rows[at] = rowOf[k] as number
      fill[p] = at + 1
    }
    return groups
  }
}

function gather(parts: ColumnData[], groups: Group[], n: number): ColumnData {
  const validity = gatherValidity(parts, groups, n)
  const first = parts[0] as ColumnData
  if (first.kind === 'fixed') {
    const out = new (first.values.constructor as new (length: number) => TypedColumn)(n)
    for (const g of groups) scatter(out, (parts[g.part] as FixedColumn).values, g.out, g.rows)
    const options: { unit?: NonNullable<FixedColumn['unit']>; timezone?: string } = {}
    if (first.unit !== undefined) options.unit = first.unit
    if (first.timezone !== undefined) options.timezone = first.timezone
    return new FixedColumn(first.type, out, validity, options)
  }
  if (first.kind === 'bool') {
    const bits = allocBitmap(n)
    for (const g of groups) {
      const src = (parts[g.part] as BoolColumn).bits
      for (let j = 0; j < g.out.length; j++)
        if (getBit(src, g.rows[j] as number) === 1) setBit(bits, g.out[j] as number)
    }
    return new BoolColumn(bits, n, validity)
  }
  // utf8: lengths first, then every value's bytes into place
  const offsets = new Int32Array(n + 1)
  for (const g of groups) {
    const o = (parts[g.part] as Utf8Column).offsets
    for (let j = 0; j < g.out.length; j++) {
      const r = g.rows[j] as number
      offsets[(g.out[j] as number) + 1] = (o[r + 1] as number) - (o[r] as number)
    }
  }
  for (let i = 0; i < n; i++) offsets[i + 1] = (offsets[i + 1] as number) + (offsets[i] as number)
  const bytes = new Uint8Array(offsets[n] as number)
  for (const g of groups) {
    const { offsets: o, bytes: src } = parts[g.part] as Utf8Column
    for (let j = 0; j < g.out.length; j++) {
      const r = g.rows[j] as number
      const start = o[r] as number
      const end = o[r + 1] as number
      let at = offsets[g.out[j] as number] as number
      if (end - start <= 16) for (let b = start; b < end; b++) bytes[at++] = src[b] as number
      else bytes.set(src.subarray(start, end), at)
    }
  }
  return new Utf8Column((first as Utf8Column).type, offsets, bytes, validity)
}

/** `out[at[j]] = src[rows[j]]`, one loop per array type (each loop monomorphic). */
function scatter(out: TypedColumn, src: TypedColumn, at: Int32Array, rows: Int32Array): void {
  const n = at.length
  if (src instanceof Float64Array) {
    const o = out as Float64Array
    for (let j = 0; j < n; j++) o[at[j] as number] = src[rows[j] as number] as number
  } else if (src instanceof Int32Array) {
    const o = out as Int32Array
    for (let j = 0; j < n; j++) o[at[j] as number] = src[rows[j] as number] as number
  } else if (src instanceof BigInt64Array) {
    const o = out as BigInt64Array
    for (let j = 0; j < n; j++) o[at[j] as number] = src[rows[j] as number] as bigint
  } else if (src instanceof Float32Array) {
    const o = out as Float32Array
    for (let j = 0; j < n; j++) o[at[j] as number] = src[rows[j] as number] as number
  } else if (src instanceof BigUint64Array) {
    const o = out as BigUint64Array
    for (let j = 0; j < n; j++) o[at[j] as number] = src[rows[j] as number] as bigint
  } else {
    const o = out as Uint8Array
    const s = src as Uint8Array
    for (let j = 0; j < n; j++) o[at[j] as number] = s[rows[j] as number] as number
  }
}

function gatherValidity(parts: ColumnData[], groups: Group[], n: number): Uint8Array | undefined {
  if (parts.every((c) => c.validity === undefined)) return undefined
  const out = allocBitmap(n)
  for (const g of groups) {
    const v = (parts[g.part] as ColumnData).validity
    for (let j = 0; j < g.out.length; j++)
      if (v === undefined || getBit(v, g.rows[j] as number) === 1) setBit(out, g.out[j] as number)
  }
  return out
}
