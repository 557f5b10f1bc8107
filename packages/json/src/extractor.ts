import type { ColumnPlan } from './infer-schema.js'

/** Called for a value the fast path does not store: null, missing, or of the wrong type. */
export type MissFn = (column: number, value: unknown, row: number) => void

/** Writes the planned keys of `record` into row `row` of the columns `c`. */
export type Extractor = (record: object, row: number, c: unknown[][], miss: MissFn) => void

const extractors = new Map<string, Extractor>()
const MAX_EXTRACTORS = 256

function check(type: ColumnPlan['type']): string {
  switch (type) {
    case 'int32':
      return `typeof v === 'number' && (v | 0) === v`
    case 'float64':
      return `typeof v === 'number'`
    case 'bool':
      return `typeof v === 'boolean'`
    case 'string':
      return `typeof v === 'string'`
    default:
      return 'v !== null && v !== undefined'
  }
}

/**
 * A function specialised for one list of columns that copies a record's values into them. Each
 * key is a constant property read, so V8 keeps one inline cache per column (records parsed from
 * the same layout share a hidden class), several times cheaper than `record[name]` in a loop.
 * Booleans stored into a `Uint8Array` become 1 and 0; into a plain array they stay booleans.
 */
export function makeExtractor(plans: readonly ColumnPlan[]): Extractor {
  const lines = plans.map((plan, k) => {
    const read =
      plan.name === '__proto__'
        ? `Object.getOwnPropertyDescriptor(o, '__proto__')?.value`
        : `o[${JSON.stringify(plan.name)}]`
    return `v = ${read}; if (${check(plan.type)}) c[${k}][i] = v; else miss(${k}, v, i)`
  })
  const source = `return function extract(o, i, c, miss) {\n  let v\n  ${lines.join('\n  ')}\n}`
  let extractor = extractors.get(source)
  if (!extractor) {
    extractor = new Function(source)() as Extractor
    if (extractors.size >= MAX_EXTRACTORS) extractors.clear()
    extractors.set(source, extractor)
  }
  return extractor
}
