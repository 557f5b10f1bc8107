import { readFileSync } from 'node:fs'
import { closeSharedPools, type RecordBatch, type SdError } from '@sd/core'
import { rowsDifference } from '@sd/core/testing'
import { afterAll, describe, expect, it } from 'vitest'
import { loadJson } from './load.js'
import type { JsonOptions } from './options.js'
import { RANGE_BYTES } from './parallel.js'
import { fixtures } from './test-support/fixtures.js'

const files = fixtures()
afterAll(() => files.remove())

/** Threads of this process (worker threads are threads of their own). */
function threads(): number {
  return Number(/^Threads:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1])
}

const settle = async () => {
  for (let i = 0; i < 50; i++) await new Promise((resolve) => setTimeout(resolve, 20))
}

/** Waits, up to as long as `settle`, for the thread count to come back to `count`. */
const settleTo = async (count: number) => {
  for (let i = 0; i < 50 && threads() !== count; i++) await new Promise((resolve) => setTimeout(resolve, 20))
}

/** NDJSON of about `bytes` bytes, with escapes, nested values, nulls, and a few lines longer than a range's overlap. */
function bigNdjson(bytes: number): string[] {
  const lines: string[] = []
  let size = 0
  for (let i = 0; size < bytes; i++) {
    const record: Record<string, unknown> = {
      id: i,
      value: i * 0.25,
      label: i % 13 === 0 ? `esc "${i}"\n\t€` : `l${i % 97}`,
      flag: i % 3 === 0,
      tags: i % 7 === 0 ? [i, { k: 'v' }] : null,
    }
    if (i % 60_000 === 7) record.label = 'x'.repeat(600_000)
    const line = JSON.stringify(record)
    lines.push(i % 500 === 0 ? `  ${line}\r` : line)
    size += line.length + 1
  }
  return lines
}

async function read(path: string, options: JsonOptions) {
  const batches: RecordBatch[] = []
  const skipped: unknown[] = []
  let error: unknown
  const ds = loadJson(path, {
    cacheEnabled: false,
    ...options,
    onSkip: (e) => skipped.push(describeError(e)),
  })
  try {
    for await (const b of ds) batches.push(b)
  } catch (err) {
    error = describeError(err)
  }
  return { batches, error, skipped, stats: [ds.getStats().skippedRecords, ds.getStats().nulledValues] }
}

type Read = Awaited<ReturnType<typeof read>>

/** Same error, skipped records, counters and rows (compared as columns: see `rowsDifference`). */
function expectSame(actual: Read, expected: Read, label?: string) {
  const { batches, ...rest } = actual
  const { batches: expectedBatches, ...expectedRest } = expected
  expect(rest, label).toEqual(expectedRest)
  expect(rowsDifference(batches, expectedBatches), label).toBeUndefined()
}

function describeError(err: unknown) {
  const e = err as SdError
  return { code: e.code, message: e.message, location: e.location }
}

describe('NDJSON in worker threads', () => {
  const lines = bigNdjson(3 * RANGE_BYTES + 4321)
  const path = files.write('big.ndjson', `${lines.join('\n')}\n`)

  it('gives the rows one thread gives, long lines across range boundaries included', {
    timeout: 120_000,
  }, async () => {
    const serial = await read(path, { workers: 0 })
    expect(serial.error).toBeUndefined()
    expectSame(await read(path, { workers: 2 }), serial)
  })

  it('reports errors at the same line and byte, and skips the same records', {
    timeout: 120_000,
  }, async () => {
    const bad = [...lines]
    const at = Math.floor(bad.length * 0.7)
    bad[at] = '{"id": 1,, }'
    bad[at + 500] = '{"id": "not a number", "value": 1}'
    const file = files.write('bad.ndjson', `${bad.join('\n')}\n`)
    for (const options of [{}, { onBadRecord: 'skip', onBadValue: 'null' }] as JsonOptions[]) {
      const serial = await read(file, { ...options, workers: 0 })
      expectSame(await read(file, { ...options, workers: 2 }), serial, JSON.stringify(options))
    }
    expect((await read(file, { workers: 2 })).error).toMatchObject({
      code: 'JSON_MALFORMED',
      location: { line: at + 1 },
    })
  })

  it('reports invalid UTF-8 and a too long line as one thread does', { timeout: 240_000 }, async () => {
    const utf8 = Buffer.from(`${lines.join('\n')}\n`)
    let at = Math.floor(utf8.length * 0.6)
    while (utf8[at] !== 0x6c /* l of a label */) at++
    utf8[at] = 0xff
    const cases: [string, string | Uint8Array, JsonOptions, string][] = [
      ['invalid UTF-8', utf8, {}, 'INVALID_UTF8'],
      // the lines of 600,000 characters are longer than 500 KB
      ['too long', `${lines.join('\n')}\n`, { maxRecordBytes: 500_000 }, 'RECORD_TOO_LARGE'],
    ]
    for (const [name, content, options, code] of cases) {
      const file = files.write(`${name.replaceAll(' ', '-')}.ndjson`, content)
      const serial = await read(file, { ...options, workers: 0 })
      expect(serial.error, name).toMatchObject({ code })
      expectSame(await read(file, { ...options, workers: 2 }), serial, name)
      const skip = { ...options, onBadRecord: 'skip' } as JsonOptions
      const skipped = await read(file, { ...skip, workers: 0 })
      expect(skipped.stats[0], name).toBeGreaterThan(0)
      expectSame(await read(file, { ...skip, workers: 2 }), skipped, `${name}, skip`)
    }
  })

  it('stops every worker on an early break and an abort', { timeout: 120_000 }, async () => {
    await closeSharedPools()
    await settle()
    const before = threads()
    let during = 0
    for await (const b of loadJson(path, { workers: 2, cacheEnabled: false })) {
      during = Math.max(during, threads())
      if (b.numRows > 0 && during > before) break
    }
    expect(during).toBeGreaterThanOrEqual(before + 2)
    await settleTo(before)
    expect(threads()).toBe(before)
    const controller = new AbortController()
    const aborted = await (async () => {
      let n = 0
      for await (const _ of loadJson(path, { workers: 2, cacheEnabled: false, signal: controller.signal }))
        if (++n === 5) controller.abort()
    })().catch((e: unknown) => e)
    expect(aborted).toMatchObject({ code: 'ABORTED' })
    await settleTo(before)
    expect(threads()).toBe(before)
  })

  it('starts the workers with the first batch, and stops them on a break there', {
    timeout: 120_000,
  }, async () => {
    await closeSharedPools()
    await settle()
    const before = threads()
    for await (const b of loadJson(path, { workers: 2, cacheEnabled: false })) {
      expect(b.numRows).toBeGreaterThan(0)
      // the first batch comes from this thread while the workers start
      for (let i = 0; i < 100 && threads() < before + 2; i++) await new Promise((r) => setTimeout(r, 20))
      expect(threads()).toBeGreaterThanOrEqual(before + 2)
      break
    }
    await settleTo(before)
    expect(threads()).toBe(before)
  })
})
