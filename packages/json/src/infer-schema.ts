import {
  BOOL_KIND,
  type Field,
  FLOAT64_KIND,
  INT32_KIND,
  INT64_KIND,
  type Int64Option,
  JSON_KIND,
  STRING_KIND,
} from '@sd/core/text-worker'
import type { JsonColumnType } from './options.js'

/** A column the builder fills: its field and how values are stored. */
export interface ColumnPlan {
  name: string
  type: JsonColumnType
  /** Nulls or missing keys were seen in the first batch: the column is a plain array. */
  nullable: boolean
}

/**
 * The own property `key` of a parsed record: `constructor`, `toString`... only when the record has
 * them itself. An own `__proto__` (a data property, as `JSON.parse` makes it) is read as itself:
 * it hides the prototype's accessor. No descriptor is made (this runs for every value of a first
 * batch).
 */
export function ownValue(record: object, key: string): unknown {
  return Object.hasOwn(record, key) ? (record as Record<string, unknown>)[key] : undefined
}

/** The storage kind of a column type in a `BatchBuilder`. */
export function kindOf(type: JsonColumnType): number {
  switch (type) {
    case 'int32':
      return INT32_KIND
    case 'int64':
      return INT64_KIND
    case 'float64':
      return FLOAT64_KIND
    case 'bool':
      return BOOL_KIND
    case 'string':
      return STRING_KIND
    default:
      return JSON_KIND
  }
}

/** The column type of one non-null JSON value. */
export function jsonValueType(value: unknown): JsonColumnType {
  switch (typeof value) {
    case 'number':
      return (value | 0) === value ? 'int32' : Number.isSafeInteger(value) ? 'int64' : 'float64'
    case 'bigint':
      return 'int64'
    case 'boolean':
      return 'bool'
    case 'string':
      return 'string'
    default:
      return 'json'
  }
}

/** Number types by width: a mix of two is the wider one. */
const NUMBER_RANK: Partial<Record<JsonColumnType, number>> = { int32: 0, int64: 1, float64: 2 }

function widen(a: JsonColumnType | undefined, b: JsonColumnType): JsonColumnType {
  if (a === undefined || a === b) return b
  const numbers = NUMBER_RANK[a] !== undefined && NUMBER_RANK[b] !== undefined
  if (numbers) return (NUMBER_RANK[a] as number) > (NUMBER_RANK[b] as number) ? a : b
  // any other mix (a number and a string...) is kept as the JSON values themselves
  return 'json'
}

/** What the first batch showed of a key. */
interface Seen {
  type: JsonColumnType | undefined
  count: number
  nulls: boolean
}

function note(entry: Seen, value: unknown): void {
  if (value === undefined) return
  entry.count++
  if (value === null) entry.nulls = true
  else if (entry.type !== 'json') entry.type = widen(entry.type, jsonValueType(value))
}

/**
 * The columns of a stream, decided once from its first batch of records: the keys in first-seen
 * order (or `columns`), each typed by the values seen (integers in int32 range → `int32`, other
 * integers in int64 range → `int64`, other numbers → `float64`, booleans → `bool`, strings →
 * `string`, anything else or a mix → `json`; a mix of number types is the widest). A key with only
 * nulls is `json`. `columnTypes` overrides the inferred type of the columns it names. Under
 * `int64: 'number'` an `int64` column is a `float64` one.
 */
export function inferColumns(
  records: readonly object[],
  columns: readonly string[] | undefined,
  columnTypes: Readonly<Record<string, JsonColumnType>>,
  int64: Int64Option = 'bigint',
): ColumnPlan[] {
  const seen = new Map<string, Seen>()
  const entry = (name: string): Seen => {
    let e = seen.get(name)
    if (!e) {
      e = { type: undefined, count: 0, nulls: false }
      seen.set(name, e)
    }
    return e
  }
  const track = (name: string, value: unknown) => note(entry(name), value)
  if (columns) {
    for (const name of columns) seen.set(name, { type: undefined, count: 0, nulls: false })
    for (const record of records) for (const name of columns) track(name, ownValue(record, name))
  } else {
    // records of one layout have their keys in one order: the previous record's entries serve
    let lastKeys: string[] = []
    let lastEntries: Seen[] = []
    for (const record of records) {
      // own enumerable keys and their values, in one order (no lookup by name per value)
      const keys = Object.keys(record)
      const values = Object.values(record)
      const entries = keys.length === lastKeys.length ? lastEntries : new Array<Seen>(keys.length)
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i] as string
        const e = key === lastKeys[i] && entries === lastEntries ? (entries[i] as Seen) : entry(key)
        entries[i] = e
        note(e, values[i])
      }
      lastKeys = keys
      lastEntries = entries
    }
    for (const name of Object.keys(columnTypes)) track(name, undefined)
  }
  const plans: ColumnPlan[] = []
  for (const [name, entry] of seen) {
    let type = (Object.hasOwn(columnTypes, name) ? columnTypes[name] : undefined) ?? entry.type ?? 'json'
    if (type === 'int64' && int64 === 'number') type = 'float64'
    plans.push({ name, type, nullable: entry.nulls || entry.count < records.length })
  }
  return plans
}

/** The {@link Field} of a planned column. */
export function planField(plan: ColumnPlan, nullable = plan.nullable): Field {
  return { name: plan.name, type: plan.type, nullable }
}

/** True when `value` (not null) can be stored in a column of `type`. */
export function fitsType(type: JsonColumnType, value: unknown): boolean {
  switch (type) {
    case 'int32':
      return typeof value === 'number' && (value | 0) === value
    case 'int64':
      return typeof value === 'bigint' || Number.isSafeInteger(value)
    case 'float64':
      return typeof value === 'number' || typeof value === 'bigint'
    case 'bool':
      return typeof value === 'boolean'
    case 'string':
      return typeof value === 'string'
    default:
      return true
  }
}
