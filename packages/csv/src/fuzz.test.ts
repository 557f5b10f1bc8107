import { Readable } from 'node:stream'
import { gzipSync } from 'node:zlib'
import { isSdError, type SdError } from '@sd/core'
import { describe, expect, it } from 'vitest'
import { loadCsv } from './load.js'
import type { CsvEngine, CsvOptions } from './options.js'
import { generateCsv, random } from './test-support/generate.js'

/**
 * Seeded fuzzing: valid files (generated, and gzip-compressed ones) mutated at random (bytes
 * flipped, inserted, deleted, duplicated, cut; quotes, delimiters, line breaks, invalid UTF-8 and
 * byte order marks thrown in). Every case must end in data or a typed `SdError` within a time
 * bound, never a crash, a hang or an untyped error; and both engines must give the same answer.
 * 400 cases in the normal run, 20,000 with `SD_SLOW=1` or `SD_FUZZ_LONG=1`; `SD_FUZZ_SEED=<n>` replays a seed.
 */
const LONG = process.env.SD_SLOW === '1' || process.env.SD_FUZZ_LONG === '1'
const CASES = LONG ? 20_000 : 400
const SEED = Number(process.env.SD_FUZZ_SEED ?? 1611)
const TIME_BOUND_MS = 10_000

function mutate(bytes: Uint8Array, rand: () => number): Uint8Array {
  const out = [...bytes]
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)] as T
  const times = 1 + Math.floor(rand() * 4)
  for (let t = 0; t < times; t++) {
    const at = Math.floor(rand() * (out.length + 1))
    switch (Math.floor(rand() * 8)) {
      case 0:
        if (out.length > 0) out[Math.min(at, out.length - 1)] = Math.floor(rand() * 256)
        break
      case 1:
        out.splice(at, 0, pick([0x22, 0x2c, 0x0a, 0x0d, 0x27, 0x3b, 0x5c, 0x23, 0x00]))
        break
      case 2:
        out.splice(at, Math.floor(rand() * 16))
        break
      case 3: {
        const len = Math.floor(rand() * 32)
        out.splice(at, 0, ...out.slice(at, at + len))
        break
      }
      case 4:
        out.length = Math.min(out.length, at)
        break
      case 5:
        out.splice(
          at,
          0,
          ...pick([[0xff], [0xc3], [0xe2, 0x82], [0xf0, 0x9f, 0x98], [0xef, 0xbb, 0xbf], [0xed, 0xa0, 0x80]]),
        )
        break
      case 6:
        out.splice(at, 0, ...Buffer.from('"'.repeat(1 + Math.floor(rand() * 3))))
        break
      default:
        out.splice(at, 0, ...Buffer.from('\r\n'))
    }
  }
  return Uint8Array.from(out)
}

function describeError(err: unknown) {
  const e = err as SdError
  return { name: e.name, code: e.code, message: e.message, location: e.location }
}

async function run(bytes: Uint8Array, options: CsvOptions, engine: CsvEngine, chunk: number) {
  const pieces: Uint8Array[] = []
  for (let i = 0; i < bytes.length; i += chunk) pieces.push(bytes.slice(i, i + chunk))
  const rows: unknown[] = []
  let error: unknown
  const t0 = performance.now()
  try {
    for await (const b of loadCsv(Readable.from(pieces), { ...options, engine })) rows.push(...b.rows())
  } catch (err) {
    // anything thrown must be a typed error
    if (!isSdError(err)) throw err
    error = describeError(err)
  }
  const ms = performance.now() - t0
  return { result: { rows, error }, ms }
}

describe('fuzzing the CSV readers', () => {
  it(`ends in data or a typed error, the same from both engines (${CASES} cases, seed ${SEED})`, {
    timeout: 900_000,
  }, async () => {
    const rand = random(SEED)
    let errors = 0
    for (let i = 0; i < CASES; i++) {
      const g = generateCsv(rand)
      const gzip = rand() < 0.1
      const valid = gzip ? gzipSync(g.bytes) : g.bytes
      const bytes = mutate(valid, rand)
      const options = { ...g.options, maxRecordBytes: 1 + Math.floor(rand() * 4096) }
      const chunk = 1 + Math.floor(rand() * 64)
      const fast = await run(bytes, options, 'fast', chunk)
      const oracle = await run(bytes, options, 'csv-parse', bytes.length || 1)
      expect(fast.ms, `case ${i} took ${fast.ms} ms`).toBeLessThan(TIME_BOUND_MS)
      expect(oracle.ms).toBeLessThan(TIME_BOUND_MS)
      if (fast.result.error) errors++
      const what = `case ${i}: ${JSON.stringify(Buffer.from(bytes).toString('latin1'))} ${JSON.stringify(options)}`
      // when the gzip stream breaks, csv-parse still holds the bytes it keeps to look ahead (the
      // last record, or a fault in it) while the tokenizer has read them: both end in an error,
      // the tokenizer having handed over at least the rows csv-parse did
      const gzipFault = (r: { error: unknown }) =>
        (r.error as { code?: string } | undefined)?.code === 'GZIP_CORRUPT'
      if (gzipFault(fast.result) || gzipFault(oracle.result)) {
        expect(fast.result.error, what).toBeDefined()
        expect(oracle.result.error, what).toBeDefined()
        expect(fast.result.rows.length, what).toBeGreaterThanOrEqual(oracle.result.rows.length)
        continue
      }
      expect(fast.result, what).toEqual(oracle.result)
    }
    expect(errors).toBeGreaterThan(CASES / 10)
  })
})
