import { Readable } from 'node:stream'
import { gzipSync } from 'node:zlib'
import { isSdError } from '@sd/core'
import { describe, expect, it } from 'vitest'
import { loadJson } from './load.js'
import type { JsonOptions } from './options.js'

/**
 * Seeded fuzzing: valid NDJSON (plain and gzip) mutated at random. Every case ends in data or a
 * typed `SdError` within a time bound; read with `onBadRecord: 'skip'` and `onBadValue: 'null'`,
 * the data is checked against `JSON.parse` line by line (every object line a row, every other line
 * a skipped record, every value the line's or null). 500 cases in the normal run, 20,000 with
 * `SD_SLOW=1` or `SD_FUZZ_LONG=1`; `SD_FUZZ_SEED=<n>` replays a seed.
 */
const LONG = process.env.SD_SLOW === '1' || process.env.SD_FUZZ_LONG === '1'
const CASES = LONG ? 20_000 : 500
const SEED = Number(process.env.SD_FUZZ_SEED ?? 2026)
const TIME_BOUND_MS = 10_000

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

function validNdjson(rand: () => number): Uint8Array {
  const lines: string[] = []
  const n = Math.floor(rand() * 20)
  for (let i = 0; i < n; i++) {
    const record: Record<string, unknown> = { id: i, v: rand() * 100, s: `s${i}é`, b: rand() < 0.5 }
    if (rand() < 0.3) record.j = rand() < 0.5 ? [i, { k: 'x' }] : null
    // an own key named __proto__ (an assignment would set the prototype instead)
    if (rand() < 0.1)
      Object.defineProperty(record, '__proto__', { value: { admin: true }, enumerable: true, writable: true })
    lines.push(JSON.stringify(record))
  }
  return Buffer.from(`${lines.join('\n')}${rand() < 0.8 ? '\n' : ''}`)
}

function mutate(bytes: Uint8Array, rand: () => number): Uint8Array {
  const out = [...bytes]
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)] as T
  const times = 1 + Math.floor(rand() * 4)
  for (let t = 0; t < times; t++) {
    const at = Math.floor(rand() * (out.length + 1))
    switch (Math.floor(rand() * 7)) {
      case 0:
        if (out.length > 0) out[Math.min(at, out.length - 1)] = Math.floor(rand() * 256)
        break
      case 1:
        out.splice(
          at,
          0,
          ...Buffer.from(
            pick(['"', ',', '\n', '\r', '{', '}', '[', ']', ':', '\\', ' ', '\t', 'null', '1e5', '-']),
          ),
        )
        break
      case 2:
        out.splice(at, Math.floor(rand() * 12))
        break
      case 3: {
        const len = Math.floor(rand() * 40)
        out.splice(at, 0, ...out.slice(at, at + len))
        break
      }
      case 4:
        out.length = Math.min(out.length, at)
        break
      case 5:
        out.splice(at, 0, ...pick([[0xff], [0xc3], [0xe2, 0x82], [0xef, 0xbb, 0xbf], [0xed, 0xa0, 0x80]]))
        break
      default:
        out.splice(
          at,
          0,
          ...Buffer.from(pick(['"__proto__":1,', '"id":"x",', '"v":[1],', '"s":2,', '"b":null,'])),
        )
    }
  }
  return Uint8Array.from(out)
}

/** What `JSON.parse` makes of each line: the object records, and how many lines are bad. */
function reference(bytes: Uint8Array): { records: object[]; bad: number } {
  let text = Buffer.from(bytes)
  if (text[0] === 0xef && text[1] === 0xbb && text[2] === 0xbf) text = text.subarray(3)
  const records: object[] = []
  let bad = 0
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
  let start = 0
  while (start < text.length) {
    let end = text.indexOf(10, start)
    if (end < 0) end = text.length
    let e = end
    if (e > start && text[e - 1] === 13) e--
    const raw = text.subarray(start, e)
    start = end + 1
    if (raw.length === 0) continue
    let line: string
    try {
      line = decoder.decode(raw)
    } catch {
      bad++
      continue
    }
    if (line.trim() === '') continue
    let value: unknown
    try {
      value = JSON.parse(line)
    } catch {
      bad++
      continue
    }
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) records.push(value)
    else bad++
  }
  return { records, bad }
}

describe('fuzzing the NDJSON reader', () => {
  it(`ends in data or a typed error, and the data is JSON.parse's (${CASES} cases, seed ${SEED})`, {
    timeout: 900_000,
  }, async () => {
    const rand = random(SEED)
    let checked = 0
    for (let i = 0; i < CASES; i++) {
      const gzip = rand() < 0.1
      const valid = validNdjson(rand)
      const bytes = mutate(gzip ? gzipSync(valid) : valid, rand)
      const lenient = !gzip && rand() < 0.6
      const options: JsonOptions = lenient
        ? { format: 'ndjson', onBadRecord: 'skip', onBadValue: 'null', batchSize: 1 + Math.floor(rand() * 5) }
        : {
            format: rand() < 0.8 ? 'ndjson' : 'auto',
            onBadRecord: rand() < 0.5 ? 'skip' : 'error',
            onBadValue: (['error', 'null', 'skip'] as const)[Math.floor(rand() * 3)] as 'error',
            batchSize: 1 + Math.floor(rand() * 5),
            maxRecordBytes: 1 + Math.floor(rand() * 2000),
          }
      const chunk = 1 + Math.floor(rand() * 64)
      const pieces: Uint8Array[] = []
      for (let k = 0; k < bytes.length; k += chunk) pieces.push(bytes.slice(k, k + chunk))
      const ds = loadJson(Readable.from(pieces), { ...options, cacheEnabled: false })
      const rows: Record<string, unknown>[] = []
      const t0 = performance.now()
      let failed = false
      try {
        for await (const b of ds) rows.push(...b.rows())
      } catch (err) {
        if (!isSdError(err)) throw err
        failed = true
      }
      expect(performance.now() - t0, `case ${i}`).toBeLessThan(TIME_BOUND_MS)
      if (!lenient || failed) continue
      const ref = reference(bytes)
      const what = `case ${i}: ${JSON.stringify(Buffer.from(bytes).toString('latin1'))}`
      expect(rows.length, what).toBe(ref.records.length)
      expect(ds.getStats().skippedRecords, what).toBe(ref.bad)
      rows.forEach((row, r) => {
        const record = ref.records[r] as Record<string, unknown>
        for (const key of Object.keys(row)) {
          const got = row[key]
          const want = Object.hasOwn(record, key) ? Object.getOwnPropertyDescriptor(record, key)?.value : null
          // a value that does not fit its column's type is null (onBadValue: 'null')
          // an int32 column holds -0 as 0
          if (typeof got === 'number' && typeof want === 'number')
            expect(
              got === want || (Number.isNaN(got) && Number.isNaN(want)),
              `${what} row ${r} key ${key}`,
            ).toBe(true)
          else if (got !== null) expect(got, `${what} row ${r} key ${key}`).toEqual(want)
          else if (want !== null && want !== undefined) expect(ds.getStats().nulledValues).toBeGreaterThan(0)
        }
      })
      checked++
    }
    expect(checked).toBeGreaterThan(CASES / 5)
  })
})
