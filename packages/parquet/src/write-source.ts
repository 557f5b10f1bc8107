import type { ColumnData, Field } from '@sd/core'

/**
 * A column as the page encoder reads it, straight from its Arrow layout: fixed-width values as
 * 32-bit words (narrow integers widened to INT32, seconds scaled to milliseconds), booleans as
 * bits, byte arrays as offsets + bytes (through the indices of a dictionary column), vectors as
 * their flat floats. JSON values are the one column serialized value by value.
 */
export type WriteSource =
  | { kind: 'fixed'; width: 4 | 8; words: Int32Array }
  | { kind: 'bool'; bits: Uint8Array }
  | { kind: 'binary'; offsets: Int32Array; bytes: Uint8Array; indices: Int32Array | undefined }
  | { kind: 'vector'; values: Float32Array; dimension: number }
  | { kind: 'null' }

/** Nanoseconds per timestamp unit. */
const NANOS = { s: 1_000_000_000n, ms: 1_000_000n, us: 1000n, ns: 1n } as const

function words(view: ArrayBufferView): Int32Array {
  return new Int32Array(view.buffer, view.byteOffset, view.byteLength >>> 2)
}

/** The encoder's view of `data` for `field`, or a message saying why the two do not match. */
export function writeSource(data: ColumnData, field: Field): WriteSource | string {
  switch (field.type) {
    case 'null':
      return { kind: 'null' }
    case 'bool':
      return data.kind === 'bool' ? { kind: 'bool', bits: data.bits } : `a ${data.kind} column`
    case 'vector':
      return data.kind === 'vector'
        ? { kind: 'vector', values: data.values, dimension: data.dimension }
        : `a ${data.kind} column`
    case 'string':
    case 'binary':
      if (data.kind === 'utf8')
        return { kind: 'binary', offsets: data.offsets, bytes: data.bytes, indices: undefined }
      if (data.kind === 'dictionary') {
        const dict = data.dictionary
        return { kind: 'binary', offsets: dict.offsets, bytes: dict.bytes, indices: data.indices }
      }
      return `a ${data.kind} column`
    case 'json':
      return jsonSource(data)
    default: {
      if (data.kind !== 'fixed') return `a ${data.kind} column`
      const values = data.values
      switch (field.type) {
        case 'int8':
        case 'int16':
        case 'uint8':
        case 'uint16':
          return { kind: 'fixed', width: 4, words: Int32Array.from(values as ArrayLike<number>) }
        case 'int32':
        case 'uint32':
        case 'float32':
        case 'date':
          return values.BYTES_PER_ELEMENT === 4
            ? { kind: 'fixed', width: 4, words: words(values) }
            : `${values.constructor.name} values`
        case 'timestamp': {
          if (!(values instanceof BigInt64Array)) return `${values.constructor.name} values`
          // the unit the schema says (seconds are written as milliseconds)
          const from = data.unit ?? 'ms'
          const to = field.unit === 'ns' || field.unit === 'us' ? field.unit : 'ms'
          if (from === to) return { kind: 'fixed', width: 8, words: words(values) }
          const scale = NANOS[from] / NANOS[to]
          const out = new BigInt64Array(values.length)
          if (scale >= 1n) for (let i = 0; i < values.length; i++) out[i] = (values[i] as bigint) * scale
          else {
            const div = NANOS[to] / NANOS[from]
            for (let i = 0; i < values.length; i++) out[i] = (values[i] as bigint) / div
          }
          return { kind: 'fixed', width: 8, words: words(out) }
        }
        default:
          return values.BYTES_PER_ELEMENT === 8
            ? { kind: 'fixed', width: 8, words: words(values) }
            : `${values.constructor.name} values`
      }
    }
  }
}

/** JSON values serialized one by one into offsets + bytes. */
function jsonSource(data: ColumnData): WriteSource {
  const encoder = new TextEncoder()
  const n = data.length
  const parts: Uint8Array[] = new Array(n)
  const offsets = new Int32Array(n + 1)
  let total = 0
  for (let i = 0; i < n; i++) {
    const value = data.get(i)
    const bytes =
      value === null || value === undefined ? new Uint8Array(0) : encoder.encode(JSON.stringify(value))
    parts[i] = bytes
    total += bytes.length
    offsets[i + 1] = total
  }
  const bytes = new Uint8Array(total)
  for (let i = 0; i < n; i++) bytes.set(parts[i] as Uint8Array, offsets[i] as number)
  return { kind: 'binary', offsets, bytes, indices: undefined }
}
