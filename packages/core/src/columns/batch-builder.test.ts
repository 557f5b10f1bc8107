import { describe, expect, it } from 'vitest'
import {
  BatchBuilder,
  BOOL_KIND,
  FLOAT64_KIND,
  INT32_KIND,
  INT64_KIND,
  JSON_KIND,
  STRING_KIND,
} from './batch-builder.js'

const encoder = new TextEncoder()

function fill(width: number, rows: number, maxRows: number) {
  const columns = Array.from({ length: width }, (_, c) => {
    const kind = [INT32_KIND, FLOAT64_KIND, INT64_KIND, BOOL_KIND, STRING_KIND, JSON_KIND][c % 6] as number
    const type = (['int32', 'float64', 'int64', 'bool', 'string', 'json'] as const)[c % 6] as string
    return { name: `c${c}`, type: type as 'int32', kind }
  })
  const b = new BatchBuilder(columns, maxRows)
  const batches = []
  for (let r = 0; r < rows; r++) {
    b.ensureRow()
    for (let c = 0; c < width; c++) {
      if ((r + c) % 5 === 0) {
        b.setNull(c)
        continue
      }
      switch (c % 6) {
        case 0:
          ;(b.i32[c] as Int32Array)[b.rows] = r * 10 + c
          break
        case 1:
          ;(b.f64[c] as Float64Array)[b.rows] = r + c / 8
          break
        case 2:
          b.setInt64(c, r % 2 ? 2 ** 40 + r : -(2 ** 52) - r)
          break
        case 3:
          b.setBool(c, (r + c) % 3 === 0)
          break
        case 4: {
          const bytes = encoder.encode(`s${r}-${c}-é`)
          b.setString(c, bytes, 0, bytes.length)
          break
        }
        default:
          ;(b.values[c] as unknown[])[b.rows] = { r, c }
      }
    }
    // a row written and then forgotten leaves no trace
    if (r % 7 === 3) {
      b.rollbackRow()
      continue
    }
    b.commitRow()
    if (b.rows === maxRows) batches.push(b.finish())
  }
  const last = b.finish()
  if (last) batches.push(last)
  return batches
}

function expected(width: number, rows: number) {
  const out: Record<string, unknown>[] = []
  for (let r = 0; r < rows; r++) {
    if (r % 7 === 3) continue
    const row: Record<string, unknown> = {}
    for (let c = 0; c < width; c++) {
      const name = `c${c}`
      if ((r + c) % 5 === 0) row[name] = null
      else
        row[name] = [
          r * 10 + c,
          r + c / 8,
          BigInt(r % 2 ? 2 ** 40 + r : -(2 ** 52) - r),
          (r + c) % 3 === 0,
          `s${r}-${c}-é`,
          { r, c },
        ][c % 6]
    }
    out.push(row)
  }
  return out
}

describe('BatchBuilder', () => {
  it('builds narrow batches in the Arrow layout with nulls, rollbacks and growth', () => {
    const batches = fill(6, 3000, 1000)
    expect(batches.map((b) => b?.numRows)).toEqual([1000, 1000, 571])
    expect(batches.flatMap((b) => b?.rows() ?? [])).toEqual(expected(6, 3000))
    const first = batches[0]
    expect(first?.data('c0').kind).toBe('fixed')
    expect(first?.data('c3').kind).toBe('bool')
    expect(first?.data('c4').kind).toBe('utf8')
    // a full batch's buffers are exactly its values (they transfer whole)
    const values = (first?.data('c0') as { values: Int32Array } | undefined)?.values ?? new Int32Array(1)
    expect(values.byteLength).toBe(values.buffer.byteLength)
  })

  it('builds wide batches (views into one buffer per kind) with the same values', () => {
    const batches = fill(3000, 40, 16)
    expect(batches.flatMap((b) => b?.rows() ?? [])).toEqual(expected(3000, 40))
    expect(batches[0]?.numColumns).toBe(3000)
  })
})

describe('BatchBuilder.expectRows', () => {
  it('sizes the next batch for the rows expected (at most maxRows), with no growing', () => {
    const b = new BatchBuilder([{ name: 'x', type: 'float64', kind: FLOAT64_KIND }], 5000)
    b.expectRows(3000)
    b.ensureRow()
    expect(b.capacity).toBe(3000)
    for (let r = 0; r < 3000; r++) {
      b.ensureRow()
      ;(b.f64[0] as Float64Array)[b.rows] = r
      b.commitRow()
    }
    expect(b.capacity).toBe(3000)
    const batch = b.finish()
    expect(Array.from(batch?.column('x') as Float64Array).slice(-2)).toEqual([2998, 2999])
    b.expectRows(1e9)
    b.ensureRow()
    expect(b.capacity).toBe(5000)
  })
})
