import { isDeepStrictEqual } from 'node:util'
import type { RecordBatch, SdError } from '@sd/core'
import { rowsDifference } from '@sd/core/testing'
import { describe, expect, it } from 'vitest'
import { loadCsv } from './load.js'
import type { CsvEngine } from './options.js'
import { type GeneratedCsv, generateCsv, random } from './test-support/generate.js'

/**
 * The byte-level engine against csv-parse, the oracle: generated files (quotes, line breaks in
 * fields, delimiters, Unicode, empty fields, ragged rows, CR/LF/CRLF, a BOM, comments, faults)
 * must give the same batches, rows, types, counts and errors (code, message, location) from both,
 * fed in different chunkings. A quarter of the cases set `maxRecordBytes` near the length of their
 * records (which hold multi-byte UTF-8 and many fields), so the limit is hit on bytes, not characters,
 * from both engines at the same record. 10,000 cases in the normal run, 50,000 with `SD_SLOW=1`;
 * `SD_CSV_SEED` replays a seed.
 */
const CASES = process.env.SD_SLOW === '1' ? 50_000 : 10_000
const SEED = Number(process.env.SD_CSV_SEED ?? 20261201)

interface Outcome {
  batches: RecordBatch[]
  error: unknown
  skipped: unknown[]
  counters: { skippedRecords: number; nulledValues: number }
}

/** The bytes as a byte stream of chunks of `sizes` (cycled): a plain async iterable, cheaper than a `Readable`. */
async function* chunked(bytes: Uint8Array, sizes: number[]): AsyncGenerator<Uint8Array> {
  for (let i = 0, k = 0; i < bytes.length; k++) {
    const size = sizes[k % sizes.length] as number
    yield bytes.slice(i, i + size)
    i += size
  }
}

function describeError(err: unknown) {
  const e = err as SdError
  return { name: e?.name, code: e?.code, message: e?.message, location: e?.location }
}

async function outcome(
  g: GeneratedCsv,
  engine: CsvEngine,
  sizes: number[],
  maxRecordBytes: number | undefined,
): Promise<Outcome> {
  const skipped: unknown[] = []
  const ds = loadCsv(chunked(g.bytes, sizes), {
    ...g.options,
    ...(maxRecordBytes === undefined ? {} : { maxRecordBytes }),
    engine,
    onSkip: (e) => skipped.push(describeError(e)),
  })
  const batches: Outcome['batches'] = []
  let error: unknown
  try {
    for await (const b of ds) batches.push(b)
  } catch (err) {
    error = describeError(err)
  }
  const { skippedRecords, nulledValues } = ds.getStats()
  return { batches, error, skipped, counters: { skippedRecords, nulledValues } }
}

/**
 * The same batches (cut alike, same schemas and rows), errors, skipped records and counters.
 * Rows are compared as columns (see `rowsDifference`): row objects cost a compiled row builder
 * per schema, and each case has schemas of its own.
 */
function sameOutcome(a: Outcome, b: Outcome): boolean {
  const { batches, ...rest } = a
  const { batches: other, ...otherRest } = b
  return (
    isDeepStrictEqual(rest, otherRest) &&
    batches.length === other.length &&
    batches.every(
      (batch, k) =>
        isDeepStrictEqual(batch.schema, other[k]?.schema) &&
        rowsDifference([batch], [other[k] as RecordBatch]) === undefined,
    )
  )
}

/** An outcome with its batches as schemas and row objects, for a readable report of a difference. */
function withRows(o: Outcome) {
  return { ...o, batches: o.batches.map((b) => ({ schema: b.schema, rows: b.rows() })) }
}

describe('the byte-level engine and csv-parse agree', () => {
  it(`on ${CASES} generated files (seed ${SEED})`, { timeout: 600_000 }, async () => {
    const rand = random(SEED)
    // a stream of its own, so the files are those of the seed with or without limits
    const limits = random(SEED + 1)
    let errors = 0
    let skips = 0
    let tooLarge = 0
    let withinLimit = 0
    for (let i = 0; i < CASES; i++) {
      const g = generateCsv(rand)
      const max = limits() < 0.25 ? 1 + Math.floor(limits() * 80) : undefined
      const fast = await outcome(g, 'fast', g.chunks, max)
      // csv-parse gets the whole file in one chunk, the fast engine small ones
      const oracle = await outcome(g, 'csv-parse', [g.bytes.length || 1], max)
      if (fast.error) errors++
      if (fast.counters.skippedRecords > 0) skips++
      if ((fast.error as { code?: string } | undefined)?.code === 'RECORD_TOO_LARGE') tooLarge++
      else if (max !== undefined && fast.batches.length > 0) withinLimit++
      // the strict comparison first; the report (and the verdict, when they differ) from toEqual
      if (!sameOutcome(fast, oracle)) {
        expect(
          withRows(fast),
          `case ${i}: ${JSON.stringify(Buffer.from(g.bytes).toString('latin1'))} ${JSON.stringify({ ...g.options, maxRecordBytes: max })}`,
        ).toEqual(withRows(oracle))
      }
    }
    // the cases reach the faults they are meant to
    expect(errors).toBeGreaterThan(CASES / 20)
    expect(skips).toBeGreaterThan(CASES / 40)
    expect(tooLarge).toBeGreaterThan(CASES / 20)
    expect(withinLimit).toBeGreaterThan(CASES / 50)
  })
})
