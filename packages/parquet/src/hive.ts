import {
  allocBitmap,
  BoolColumn,
  type ColumnData,
  columnFromValues,
  type DataType,
  type Field,
  FixedColumn,
} from '@sd/core'

/** A column made from Hive-style `key=value` folder names. */
export interface PartitionColumn {
  field: Field
  /** The value of each file (by entry index); `null` where the file has none. */
  values: unknown[]
}

/** Folder values Hive and Spark write for a null partition. */
const NULL_VALUES = new Set(['__HIVE_DEFAULT_PARTITION__', ''])
const INT = /^-?\d+$/
const NUMBER = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/

/**
 * Types the partition values of every file, key by key: all integers within int32 → `int32`,
 * all numbers → `float64`, all `true`/`false` → `bool`, all `YYYY-MM-DD` → `date` (UTC
 * midnight), anything else `string`. A file without the key, or with Hive's null marker, is null.
 */
export function typePartitions(partitions: readonly [string, string][][]): PartitionColumn[] {
  const keys: string[] = []
  for (const partition of partitions) for (const [key] of partition) if (!keys.includes(key)) keys.push(key)
  return keys.map((key) => {
    const raw = partitions.map((p) => {
      const hit = p.find(([k]) => k === key)
      return hit === undefined || NULL_VALUES.has(hit[1]) ? null : hit[1]
    })
    const present = raw.filter((v): v is string => v !== null)
    const type = inferType(present)
    return {
      field: { name: key, type, nullable: present.length < raw.length },
      values: raw.map((v) => (v === null ? null : parseValue(v, type))),
    }
  })
}

function inferType(values: string[]): DataType {
  if (values.length === 0) return 'string'
  if (values.every((v) => INT.test(v) && Math.abs(Number(v)) <= 2147483647)) return 'int32'
  if (values.every((v) => NUMBER.test(v) && Number.isFinite(Number(v)))) return 'float64'
  if (values.every((v) => v === 'true' || v === 'false')) return 'bool'
  if (values.every((v) => parseDate(v) !== undefined)) return 'date'
  return 'string'
}

function parseDate(value: string): Date | undefined {
  const m = DATE.exec(value)
  if (!m) return undefined
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])))
  // reject 2024-02-31 and the like, which Date would roll over
  return date.toISOString().slice(0, 10) === value ? date : undefined
}

function parseValue(value: string, type: DataType): unknown {
  switch (type) {
    case 'int32':
    case 'float64':
      return Number(value)
    case 'bool':
      return value === 'true'
    case 'date':
      return parseDate(value)
    default:
      return value
  }
}

/** A column of `n` copies of one partition value, laid out as its field says. */
export function constantColumn(field: Field, value: unknown, n: number): ColumnData {
  if (value !== null) {
    if (field.type === 'int32') return new FixedColumn('int32', new Int32Array(n).fill(value as number))
    if (field.type === 'float64') return new FixedColumn('float64', new Float64Array(n).fill(value as number))
    if (field.type === 'bool') return new BoolColumn(allocBitmap(n, value === true), n)
  }
  return columnFromValues(new Array(n).fill(value), field)
}
