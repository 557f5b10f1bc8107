import { afterAll, describe, expect, it } from 'vitest'
import { parseRecordText } from './big-integers.js'
import { loadJson } from './load.js'
import { duckdb, fixtures } from './test-support/fixtures.js'

const files = fixtures()
afterAll(() => files.remove())

/** Ids beyond 2^53 (a double cannot hold them), near both int64 ends, with nulls and escaped text. */
const SELECT = (rows: number) => `SELECT CASE WHEN i % 11 = 0 THEN NULL
    WHEN i % 13 = 0 THEN (-9223372036854775807 + i)::BIGINT
    WHEN i % 17 = 0 THEN (9223372036854775807 - i)::BIGINT
    ELSE (9007199254740993 + i * 1000003)::BIGINT END AS id,
  CASE WHEN i % 5 = 0 THEN 'say "hi"\\n' || i ELSE 'plain ' || i END AS note,
  i AS n
  FROM range(${rows}) t(i)`

/** DuckDB's count, sum, min and max of the ids, as exact integers. */
async function duckTotals(rows: number): Promise<bigint[]> {
  const [row] = await duckdb(
    `SELECT count(id)::VARCHAR, sum(id)::VARCHAR, min(id)::VARCHAR, max(id)::VARCHAR FROM (${SELECT(rows)})`,
  )
  return (row ?? []).map((v) => BigInt(v as string))
}

async function ourTotals(file: string, options: Parameters<typeof loadJson>[1] = {}): Promise<bigint[]> {
  let count = 0n
  let sum = 0n
  let min: bigint | undefined
  let max: bigint | undefined
  for await (const batch of loadJson(file, { batchSize: 1000, ...options })) {
    const ids = batch.data('id')
    expect(ids.type).toBe('int64')
    for (let i = 0; i < batch.numRows; i++) {
      const v = ids.get(i) as bigint | null
      if (v === null) continue
      count++
      sum += v
      if (min === undefined || v < min) min = v
      if (max === undefined || v > max) max = v
    }
  }
  return [count, sum, min ?? 0n, max ?? 0n]
}

describe('integers a double cannot hold', () => {
  it('reads DuckDB BIGINTs beyond 2^53 exactly from NDJSON, on the fast and the JSON.parse path', async () => {
    const file = files.path('big.ndjson')
    await duckdb(`COPY (${SELECT(20_000)}) TO '${file}'`)
    expect(await ourTotals(file)).toEqual(await duckTotals(20_000))
    // int64: 'number' rounds them as Number() does
    let batches = 0
    for await (const batch of loadJson(file, { int64: 'number', batchSize: 100 })) {
      expect(batch.data('id').type).toBe('float64')
      expect(batch.column('id')[1]).toBe(Number(9007199254740993n + 1000003n))
      batches++
      break
    }
    expect(batches).toBe(1)
  })

  it('reads them exactly from a JSON array document', async () => {
    const file = files.path('big.json')
    await duckdb(`COPY (${SELECT(5000)}) TO '${file}' (FORMAT json, ARRAY true)`)
    expect(await ourTotals(file)).toEqual(await duckTotals(5000))
  })

  it('reads them exactly in parallel (workers: 2)', async () => {
    const file = files.path('big-parallel.ndjson')
    await duckdb(`COPY (${SELECT(200_000)}) TO '${file}'`)
    expect(await ourTotals(file, { workers: 2, batchSize: 10_000 })).toEqual(await duckTotals(200_000))
  })

  it('types a literal beyond int64 as float64, and refuses one in an int64 column naming line and column', async () => {
    const beyond = files.write('beyond.ndjson', '{"v":99999999999999999999}\n{"v":1}\n')
    const batch = await loadJson(beyond).collect()
    expect(batch.data('v').type).toBe('float64')
    expect(Array.from(batch.column('v') as Float64Array)).toEqual([1e20, 1])
    const lines = [
      ...Array.from({ length: 5 }, (_, i) => `{"v":${2 ** 40 + i}}`),
      '{"v":99999999999999999999}',
    ]
    const late = files.write('late.ndjson', `${lines.join('\n')}\n`)
    await expect(loadJson(late, { batchSize: 2 }).toArray()).rejects.toMatchObject({
      code: 'TYPE_MISMATCH',
      location: { line: 6, column: 'v' },
    })
  })

  it('keeps keys such as __proto__ own, and leaves nested long integers to JSON.parse', () => {
    const record = parseRecordText(
      '{"__proto__": 9007199254740993, "nested": {"x": 9007199254740993}, "s": "1234567890123456789"}',
    ) as Record<string, unknown>
    expect(Object.hasOwn(record, '__proto__')).toBe(true)
    expect(Object.getOwnPropertyDescriptor(record, '__proto__')?.value).toBe(9007199254740993n)
    expect(Object.getPrototypeOf(record)).toBe(Object.prototype)
    expect(record.nested).toEqual({ x: 9007199254740992 })
    expect(record.s).toBe('1234567890123456789')
    // safe integers stay numbers
    expect(parseRecordText('{"a": 1000000000000000}')).toEqual({ a: 1e15 })
  })

  it('reports malformed text with JSON.parse’s own message for the original text', () => {
    const text = '{"a": 12345678901234567890, "b": }'
    let expected = ''
    try {
      JSON.parse(text)
    } catch (err) {
      expected = (err as Error).message
    }
    expect(() => parseRecordText(text)).toThrow(expected)
  })
})
