import type { RecordBatch, SdError } from '@sd/core'
import { describe, expect, it } from 'vitest'
import { ColumnBuilder, LINE_SLOW } from './column-builder.js'
import type { JsonColumnType } from './options.js'

/** A seeded PRNG (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const VALUES = [
  '0',
  '-0',
  '7',
  '-12',
  '2147483647',
  '-2147483648',
  '2147483648',
  '1.5',
  '-0.25',
  '1e3',
  '1E-2',
  '2.5e+10',
  '9007199254740993',
  '0.1',
  '123456789012345678',
  '01',
  '1.',
  '.5',
  '-',
  '+1',
  '1e',
  'NaN',
  'true',
  'false',
  'null',
  'tru',
  'nul',
  'truex',
  '""',
  '"a"',
  '"é日本😀"',
  '"a\\"b"',
  '"\\u0041"',
  '"tab\\there"',
  '"x\\ud800"',
  '"ctrl\u0001"',
  '[]',
  '[1,2]',
  '{"n":1}',
  '[1,,2]',
  '{"a":[{"b":"}"}]}',
  '[',
  '{"a":',
]
const KEYS = ['id', 'name', 'flag', 'v', 'doc', '__proto__', 'constructor', 'extra', 'k\\u0041', '']

/** A line: mostly well-formed flat objects of a few keys, with faults and oddities mixed in. */
function line(rand: () => number): string {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)] as T
  const n = Math.floor(rand() * 6)
  const parts: string[] = []
  for (let k = 0; k < n; k++) {
    const key = rand() < 0.8 ? (['id', 'name', 'flag', 'v', 'doc'][k] as string) : pick(KEYS)
    const kind =
      ['int', 'string', 'bool', 'float', 'json'][['id', 'name', 'flag', 'v', 'doc'].indexOf(key)] ?? 'any'
    let value: string
    if (rand() < 0.75) {
      value =
        kind === 'int'
          ? String(Math.floor(rand() * 1e6) - 5e5)
          : kind === 'string'
            ? JSON.stringify(`s${Math.floor(rand() * 100)}`)
            : kind === 'bool'
              ? pick(['true', 'false'])
              : kind === 'float'
                ? String(rand() * 100)
                : pick(['[1,2]', '{"x":"y"}', '"t"', '3', 'null'])
    } else value = pick(VALUES)
    const space = () => (rand() < 0.1 ? pick([' ', '\t', '  ', '\r']) : '')
    parts.push(`${space()}"${key}"${space()}:${space()}${value}${space()}`)
  }
  let text = `{${parts.join(',')}}`
  if (rand() < 0.05)
    text = pick([`${text},`, `${text}x`, ` ${text} `, text.slice(0, -1), `[${text}]`, '42', ''])
  return text
}

interface Outcome {
  batches: { schema: unknown; rows: unknown[] }[]
  error: unknown
  counters: unknown
  slow: number
}

function run(
  lines: string[],
  fast: boolean,
  options: { onBadValue: 'error' | 'null' | 'skip'; columnTypes: Record<string, JsonColumnType> },
): Outcome {
  const counters = { skippedRecords: 0, nulledValues: 0 }
  const builder = new ColumnBuilder({
    batchSize: 4,
    maxBatchBytes: 1 << 20,
    int64: 'bigint',
    columns: undefined,
    columnTypes: options.columnTypes,
    onBadValue: options.onBadValue,
    onSkip: undefined,
    counters,
    locate: (l) => ({ line: l }),
  })
  const batches: Outcome['batches'] = []
  const keep = (b: RecordBatch | undefined) => {
    if (b) batches.push({ schema: b.schema, rows: b.rows() })
  }
  let slow = 0
  let error: unknown
  try {
    lines.forEach((text, i) => {
      const bytes = Buffer.from(text)
      const added = fast ? builder.addLine(bytes, 0, bytes.length) : LINE_SLOW
      if (added !== LINE_SLOW) {
        if (added === 1) keep(builder.take())
        return
      }
      if (fast) slow++
      let value: unknown
      try {
        value = JSON.parse(text)
      } catch {
        counters.skippedRecords++
        return
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        counters.skippedRecords++
        return
      }
      if (builder.add(value, i + 1, bytes.length)) keep(builder.take())
    })
    keep(builder.take())
  } catch (err) {
    const e = err as SdError
    error = { code: e.code, message: e.message }
  }
  return { batches, error, counters, slow }
}

describe('LineParser', () => {
  it('gives what JSON.parse and the object path give, for generated lines', () => {
    const rand = random(424242)
    let fastLines = 0
    let slowLines = 0
    for (let round = 0; round < 600; round++) {
      const lines = Array.from({ length: 4 + Math.floor(rand() * 12) }, () => line(rand))
      const options = {
        onBadValue: (['error', 'null', 'skip'] as const)[round % 3] as 'error' | 'null' | 'skip',
        columnTypes: round % 5 === 0 ? ({ v: 'float64', doc: 'json' } as Record<string, JsonColumnType>) : {},
      }
      const viaBytes = run(lines, true, options)
      const viaObjects = run(lines, false, options)
      slowLines += viaBytes.slow
      fastLines += lines.length - viaBytes.slow
      expect({ ...viaBytes, slow: 0 }, JSON.stringify(lines)).toEqual({ ...viaObjects, slow: 0 })
    }
    // both paths are exercised
    expect(fastLines).toBeGreaterThan(1000)
    expect(slowLines).toBeGreaterThan(500)
  })
})
