import type { Column, Field } from './schema.js'

/** Builds row `i` from the columns it was made for. */
export type RowFactory = (columns: readonly Column[], i: number) => Record<string, unknown>

const factories = new Map<string, RowFactory>()
const MAX_FACTORIES = 256

/**
 * A row builder specialised for one list of fields: an object literal with a fixed shape, so V8
 * gives every row the same hidden class (several times faster than assigning keys in a loop).
 * `bool` fields stored as `Uint8Array` come out as booleans.
 */
export function rowFactory(fields: readonly Field[], columns: readonly Column[]): RowFactory {
  const parts = fields.map((field, j) => {
    const boolBytes = field.type === 'bool' && columns[j] instanceof Uint8Array
    const read = `c[${j}][i]`
    return `${JSON.stringify(field.name)}: ${boolBytes ? `${read} !== 0` : read}`
  })
  const source = `return { ${parts.join(', ')} }`
  let factory = factories.get(source)
  if (!factory) {
    factory = new Function('c', 'i', source) as RowFactory
    if (factories.size >= MAX_FACTORIES) factories.clear()
    factories.set(source, factory)
  }
  return factory
}
