import { readFileSync } from 'node:fs'
import { closeSharedPools, type RecordBatch, type SdError } from '@sd/core'
import { rowsDifference } from '@sd/core/testing'
import { afterAll, describe, expect, it } from 'vitest'
import { loadCsv } from './load.js'
import type { CsvOptions } from './options.js'
import { RANGE_BYTES } from './parallel.js'
import { tempDir } from './test-support/files.js'

const tmp = tempDir()
afterAll(() => tmp.remove())

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

/**
 * A CSV of about `bytes` bytes: numbers, booleans, strings with quotes and delimiters, and quoted
 * fields holding line breaks, some of them long, so that a range boundary falls inside one.
 */
function bigCsv(bytes: number, eol = '\n'): string {
  const lines = ['id,value,label,flag,note']
  let size = 30
  for (let i = 0; size < bytes; i++) {
    let note = i % 50 === 0 ? `"multi${eol}line, ""quoted""${eol}note ${i}"` : `plain ${i}`
    // one field of lines longer than a range: some range starts inside it, where a line break
    // looks like a record's end (lines of 1000 bytes: each is a bad record to a worker that starts
    // there, which costs it an error object when bad records are skipped)
    if (i === 60_000) {
      note = `"${Array.from({ length: 4_500 }, (_, k) => `inside ${k} `.padEnd(1000, '.')).join(eol)}"`
    }
    const line = `${i},${i * 0.25},"l,${i % 97}",${i % 3 === 0},${note}`
    lines.push(line)
    size += line.length + eol.length
  }
  return `${lines.join(eol)}${eol}`
}

async function read(path: string, options: CsvOptions) {
  const batches: RecordBatch[] = []
  const skipped: unknown[] = []
  let error: unknown
  const ds = loadCsv(path, { cacheEnabled: false, ...options, onSkip: (e) => skipped.push(describeError(e)) })
  try {
    for await (const b of ds) batches.push(b)
  } catch (err) {
    error = describeError(err)
  }
  return {
    batches,
    error,
    skipped,
    stats: { s: ds.getStats().skippedRecords, n: ds.getStats().nulledValues },
  }
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

describe('parsing in worker threads', () => {
  const size = 3 * RANGE_BYTES + 12_345
  const text = bigCsv(size)
  const path = tmp.write('big.csv', text)

  it('gives the rows one thread gives, also where a quoted field spans a range boundary', {
    timeout: 120_000,
  }, async () => {
    const serial = await read(path, { workers: 0 })
    const parallel = await read(path, { workers: 2 })
    expect(serial.error).toBeUndefined()
    expectSame(parallel, serial)
    const crlf = tmp.write('big-crlf.csv', bigCsv(size, '\r\n'))
    expectSame(await read(crlf, { workers: 3 }), await read(crlf, { workers: 0 }))
  })

  it('reports errors at the same line, row and byte, and skips the same records', {
    timeout: 120_000,
  }, async () => {
    // a ragged row and a value that does not fit, deep in the file
    const lines = text.split('\n')
    const record = (from: number) => {
      let at = from
      while (!/^\d+,.*,plain \d+$/.test(lines[at] as string)) at++
      return at
    }
    const at = record(Math.floor(lines.length * 0.7))
    lines[at] = `${lines[at]},extra`
    const value = record(at + 1000)
    lines[value] = lines[value]?.replace(/^\d+/, 'x') as string
    const bad = tmp.write('bad.csv', lines.join('\n'))
    for (const [options, code] of [
      [{}, 'CSV_RAGGED_ROW'],
      [{ onBadRecord: 'skip' }, 'TYPE_MISMATCH'],
      [{ onBadRecord: 'skip', onBadValue: 'null' }, undefined],
    ] as [CsvOptions, string | undefined][]) {
      const serial = await read(bad, { ...options, workers: 0 })
      expect((serial.error as SdError | undefined)?.code, JSON.stringify(options)).toBe(code)
      // without an error, the value that does not fit was nulled
      if (code === undefined) expect(serial.stats.n).toBeGreaterThan(0)
      const parallel = await read(bad, { ...options, workers: 2 })
      expectSame(parallel, serial, JSON.stringify(options))
    }
    const first = await read(bad, { workers: 2 })
    expect(first.error).toMatchObject({ code: 'CSV_RAGGED_ROW' })
  })

  it('reports invalid UTF-8, an unclosed quote at the end and a too long record as one thread does', {
    timeout: 240_000,
  }, async () => {
    const bytes = Buffer.from(text)
    const utf8 = Buffer.from(bytes)
    let at = Math.floor(utf8.length * 0.6)
    while (utf8[at] !== 0x70 /* p of "plain" */) at++
    utf8[at] = 0xff
    const cases: [string, Uint8Array, CsvOptions, string][] = [
      ['invalid UTF-8', utf8, {}, 'INVALID_UTF8'],
      [
        'unclosed quote',
        Buffer.concat([bytes, Buffer.from('1,2,x,true,"never closed\nmore\n')]),
        {},
        'CSV_UNCLOSED_QUOTE',
      ],
      // the quoted field of 4,500 lines is longer than 1 MiB
      ['too long', bytes, { maxRecordBytes: 1 << 20 }, 'RECORD_TOO_LARGE'],
    ]
    for (const [name, content, options, code] of cases) {
      const path = tmp.write(`${name.replaceAll(' ', '-')}.csv`, content)
      const serial = await read(path, { ...options, workers: 0 })
      expect(serial.error, name).toMatchObject({ code })
      expectSame(await read(path, { ...options, workers: 2 }), serial, name)
      if (code !== 'RECORD_TOO_LARGE') {
        const skip = { ...options, onBadRecord: 'skip' } as CsvOptions
        expectSame(
          await read(path, { ...skip, workers: 2 }),
          await read(path, { ...skip, workers: 0 }),
          `${name}, skip`,
        )
      }
    }
  })

  it('stops every worker on an early break, an abort and an error', { timeout: 120_000 }, async () => {
    // pools kept warm by the passes above would close during this test
    await closeSharedPools()
    await settle()
    const before = threads()
    let during = 0
    for await (const b of loadCsv(path, { workers: 2, cacheEnabled: false })) {
      during = Math.max(during, threads())
      if (b.numRows > 0 && during > before) break
    }
    expect(during).toBeGreaterThanOrEqual(before + 2)
    await settleTo(before)
    expect(threads()).toBe(before)

    const controller = new AbortController()
    const aborted = await (async () => {
      let n = 0
      for await (const _ of loadCsv(path, { workers: 2, cacheEnabled: false, signal: controller.signal })) {
        if (++n === 5) controller.abort()
      }
    })().catch((e: unknown) => e)
    expect(aborted).toMatchObject({ code: 'ABORTED' })
    await settleTo(before)
    expect(threads()).toBe(before)

    const lines = text.split('\n')
    let middle = Math.floor(lines.length / 2)
    while (!/^\d+,.*,plain \d+$/.test(lines[middle] as string)) middle++
    lines[middle] += ',ragged'
    const bad = tmp.write('stop.csv', lines.join('\n'))
    await expect(loadCsv(bad, { workers: 2, cacheEnabled: false }).count()).rejects.toMatchObject({
      code: 'CSV_RAGGED_ROW',
    })
    await settleTo(before)
    expect(threads()).toBe(before)
  })
})
