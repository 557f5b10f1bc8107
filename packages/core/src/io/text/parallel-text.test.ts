import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { RecordBatch } from '../../record-batch.js'
import type { LineTask } from '../../test-support/line-worker.js'
import { WorkerPool } from '../../workers/pool.js'
import { FileRangeReader } from '../file-range.js'
import { parallelText, type RangeItem, type TextPosition } from './parallel-text.js'
import { acceptRangePayload, type TextRangePayload } from './range-items.js'

const dir = mkdtempSync(join(tmpdir(), 'sd-parallel-text-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const LINES = 5_000
const path = join(dir, 'lines.txt')
writeFileSync(path, Array.from({ length: LINES }, (_, i) => `${i * 7}\n`).join(''))

/** Reads the file in ranges of 1 KiB with `giveBack` workers; the values, ranges and reads made. */
async function run(giveBack: boolean) {
  const reader = await FileRangeReader.open(path)
  let reads = 0
  const read = reader.read.bind(reader)
  reader.read = (start, end, signal) => {
    reads++
    return read(start, end, signal)
  }
  let ranges = 0
  const pool = new WorkerPool<LineTask, RangeItem<TextRangePayload>>({
    module: new URL('../../test-support/line-worker.ts', import.meta.url),
    size: 2,
    name: 'lines',
  })
  const counters = { skippedRecords: 0, nulledValues: 0 }
  const values: number[] = []
  try {
    const pass = parallelText<LineTask, TextRangePayload>({
      reader,
      from: { byte: 0, line: 1, row: 0 },
      signal: new AbortController().signal,
      pool,
      rangeBytes: 1024,
      overlap: 64,
      maxInFlight: 2,
      recordStart: (bytes, base, at) => {
        const lf = bytes.indexOf(10, at - base)
        return lf < 0 ? -1 : base + lf + 1
      },
      task: (range) => {
        ranges++
        return { task: { range, giveBack }, transfer: [range.bytes.buffer as ArrayBuffer] }
      },
      serial: (at: TextPosition): AsyncGenerator<RecordBatch, TextPosition> => {
        throw new Error(`no serial parse expected (at byte ${at.byte})`)
      },
      accept: (payload, at) => acceptRangePayload(payload, at, counters, undefined),
    })
    for await (const batch of pass) values.push(...(batch.column('n') as Float64Array))
  } finally {
    await pool.close()
    await reader.close()
  }
  return { values, ranges, reads }
}

describe('parallelText', () => {
  it('reads later ranges into the buffers workers hand back, with the same results', async () => {
    const expected = Array.from({ length: LINES }, (_, i) => i * 7)
    const kept = await run(false)
    expect(kept.values).toEqual(expected)
    expect(kept.reads).toBe(kept.ranges)
    const reused = await run(true)
    expect(reused.values).toEqual(expected)
    expect(reused.ranges).toBe(kept.ranges)
    expect(reused.ranges).toBeGreaterThan(20)
    // a new buffer only until the first ones come back (ranges in flight, and the last, shorter one)
    expect(reused.reads).toBeLessThan(8)
  })
})
