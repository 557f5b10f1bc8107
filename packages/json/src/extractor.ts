import {
  type BatchBuilder,
  BOOL_KIND,
  FLOAT64_KIND,
  INT32_KIND,
  INT64_KIND,
  JSON_KIND,
  STRING_KIND,
} from '@sd/core/text-worker'
import { ownValue } from './infer-schema.js'

/** Called for a value the fast path does not store: null, missing, or of the wrong type. */
export type MissFn = (column: number, value: unknown) => void

/** Writes the planned keys of `record` into the current row of `b`. */
export type Extractor = (record: object, b: BatchBuilder, miss: MissFn) => void

const extractors = new Map<string, Extractor>()
const MAX_EXTRACTORS = 256
/** Beyond this many columns a plain loop beats compiling one function per layout. */
const MAX_GENERATED = 512

function check(kind: number): string {
  switch (kind) {
    case INT32_KIND:
      return `typeof v === 'number' && (v | 0) === v`
    case INT64_KIND:
      return `Number.isSafeInteger(v)`
    case FLOAT64_KIND:
      return `typeof v === 'number'`
    case BOOL_KIND:
      return `typeof v === 'boolean'`
    case STRING_KIND:
      return `typeof v === 'string'`
    default:
      // a BigInt (a long integer literal) goes through miss, which stores it as a number
      return `v !== null && v !== undefined && typeof v !== 'bigint'`
  }
}

function store(kind: number, k: number): string {
  switch (kind) {
    case INT32_KIND:
      return `b.i32[${k}][b.rows] = v`
    case INT64_KIND:
      return `b.setInt64(${k}, v)`
    case FLOAT64_KIND:
      return `b.f64[${k}][b.rows] = v`
    case BOOL_KIND:
      return `b.setBool(${k}, v)`
    case STRING_KIND:
      return `b.setText(${k}, v)`
    default:
      return `b.values[${k}][b.rows] = v`
  }
}

/**
 * How to read key `name` of a parsed record as an own property: `__proto__` through its
 * descriptor (`record.__proto__` is the prototype), and names `Object.prototype` has
 * (`constructor`, `toString`...) only when the record has them itself.
 */
function readKey(name: string): string {
  const key = JSON.stringify(name)
  if (name === '__proto__') return `Object.getOwnPropertyDescriptor(o, '__proto__')?.value`
  if (name in Object.prototype) return `(Object.hasOwn(o, ${key}) ? o[${key}] : undefined)`
  return `o[${key}]`
}

/**
 * A function specialised for one list of columns that copies a record's values into the current
 * row. Each key is a constant property read, so V8 keeps one inline cache per column (records
 * parsed from the same layout share a hidden class), several times cheaper than `record[name]` in
 * a loop. Very wide layouts get the plain loop instead (compiling it would cost more than it saves).
 */
export function makeExtractor(names: readonly string[], kinds: Uint8Array): Extractor {
  if (names.length > MAX_GENERATED) return loopExtractor(names, kinds)
  const lines = names.map((name, k) => {
    const kind = kinds[k] as number
    return `v = ${readKey(name)}; if (${check(kind)}) ${store(kind, k)}; else miss(${k}, v)`
  })
  const source = `return function extract(o, b, miss) {\n  let v\n  ${lines.join('\n  ')}\n}`
  let extractor = extractors.get(source)
  if (!extractor) {
    extractor = new Function(source)() as Extractor
    if (extractors.size >= MAX_EXTRACTORS) extractors.clear()
    extractors.set(source, extractor)
  }
  return extractor
}

function loopExtractor(names: readonly string[], kinds: Uint8Array): Extractor {
  return (o, b, miss) => {
    for (let k = 0; k < names.length; k++) {
      const v = ownValue(o, names[k] as string)
      const kind = kinds[k] as number
      const r = b.rows
      if (kind === INT32_KIND && typeof v === 'number' && (v | 0) === v) (b.i32[k] as Int32Array)[r] = v
      else if (kind === INT64_KIND && Number.isSafeInteger(v)) b.setInt64(k, v as number)
      else if (kind === FLOAT64_KIND && typeof v === 'number') (b.f64[k] as Float64Array)[r] = v
      else if (kind === BOOL_KIND && typeof v === 'boolean') b.setBool(k, v)
      else if (kind === STRING_KIND && typeof v === 'string') b.setText(k, v)
      else if (kind === JSON_KIND && v !== null && v !== undefined && typeof v !== 'bigint')
        (b.values[k] as unknown[])[r] = v
      else miss(k, v)
    }
  }
}
