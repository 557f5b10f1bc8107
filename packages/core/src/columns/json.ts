import { ColumnBase, maskCount } from './base.js'
import { packBits } from './bitmap.js'
import { estimateValueBytes } from './estimate.js'

/**
 * Nested or JSON values (lists, objects, mixed types) as a plain array, `null` for null: the one
 * layout that is not Arrow's, for values no fixed layout holds.
 */
export class JsonColumn extends ColumnBase {
  readonly kind = 'json' as const
  readonly type: 'json' | 'null'
  /** One JS value per slot. */
  readonly values: unknown[]
  #byteSize: number | undefined

  constructor(values: unknown[], type: 'json' | 'null' = 'json') {
    let nulls = 0
    for (let i = 0; i < values.length; i++) if (values[i] === null || values[i] === undefined) nulls++
    super(
      values.length,
      nulls === 0 ? undefined : packBits(values.map((v) => v !== null && v !== undefined)),
      nulls,
    )
    this.values = values
    this.type = type
  }

  /** An estimate (plain values have no exact size). */
  get byteSize(): number {
    this.#byteSize ??= estimateArrayBytes(this.values)
    return this.#byteSize
  }

  /** Value `i` (`null` for null). */
  get(i: number): unknown {
    return this.values[i] ?? null
  }

  /** The plain array. */
  toValues(): unknown[] {
    return this.values
  }

  /** Slots `[start, end)` (a copy of the array, the values shared). */
  slice(start: number, end: number): JsonColumn {
    return new JsonColumn(this.values.slice(start, end), this.type)
  }

  /** The slots whose `mask` entry is truthy. */
  filter(mask: ArrayLike<unknown>, count = maskCount(mask)): JsonColumn {
    const out: unknown[] = new Array(count)
    for (let i = 0, j = 0; i < mask.length; i++) if (mask[i]) out[j++] = this.values[i]
    return new JsonColumn(out, this.type)
  }

  /** No buffers: plain values travel by structured clone. */
  buffers(): ArrayBufferView[] {
    return []
  }
}

const SAMPLE = 32

function estimateArrayBytes(values: readonly unknown[]): number {
  const n = values.length
  if (n === 0) return 0
  const step = Math.max(1, Math.floor(n / SAMPLE))
  let sum = 0
  let count = 0
  for (let i = 0; i < n && count < SAMPLE; i += step, count++) sum += estimateValueBytes(values[i])
  return Math.round((sum / count) * n) + 8 * n
}
