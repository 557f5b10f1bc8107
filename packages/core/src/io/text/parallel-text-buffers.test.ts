import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { RecordBatch } from '../../record-batch.js'
import { type LinePayload, type LineTask, linePassBase, parseLines } from '../../test-support/line-ranges.js'
import { WorkerPool } from '../../workers/pool.js'
import { FileRangeReader } from '../file-range.js'
import { parallelText, type RangeItem, type TextPosition } from './parallel-text.js'

const dir = mkdtempSync(join(tmpdir(), 'sd-parallel-buffers-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const LINES = 100_000
const path = join(dir, 'lines.txt')
writeFileSync(path, Array.from({ length: LINES }, (_, i) => `${i}\n`).join(''))

/** Every value through `parallelText` with workers that hand their buffers back (or not), and the reads. */
async function run(worker: 'line-range-worker' | 'line-range-give-back') {
  const reader = await FileRangeReader.open(path)
  let reads = 0
  let ranges = 0
  const read = reader.read.bind(reader)
  reader.read = (start, end, signal) => {
    reads++
    return read(start, end, signal)
  }
  const pool = new WorkerPool<LineTask, RangeItem<LinePayload>>({
    module: new URL(`../../test-support/${worker}.ts`, import.meta.url),
    size: 2,
    name: 'line ranges',
  })
  const values: number[] = []
  const batch = (vs: number[]) => RecordBatch.fromColumns({ v: Float64Array.from(vs) })
  try {
    // the threads start before the pass, which so parses few ranges itself
    const empty = { index: 0, base: 0, bytes: new Uint8Array(0), start: 0, limit: 0, last: true }
    let warm = false
    for await (const item of pool.stream({ range: empty, delayMs: 0 })) warm ||= item.type === 'end'
    expect(warm).toBe(true)
    const pass = parallelText<LineTask, LinePayload>({
      ...linePassBase(reader, pool),
      task: (range) => {
        ranges++
        return { task: { range, delayMs: 0 }, transfer: [range.bytes.buffer as ArrayBuffer] }
      },
      async *serial(at, until): AsyncGenerator<RecordBatch, TextPosition> {
        const end = Math.min(reader.byteLength, until)
        const bytes = await read(at.byte, Math.min(reader.byteLength, end + 64))
        const parsed = parseLines(bytes, at.byte, at.byte, end)
        yield batch(parsed.values)
        return { byte: parsed.stop, line: at.line + parsed.lines, row: at.row + parsed.values.length }
      },
      accept: (payload) => [batch(payload.values)],
    })
    for await (const b of pass) values.push(...(b.column('v') as Float64Array))
  } finally {
    await pool.close()
    await reader.close()
  }
  return { values, reads, ranges }
}

describe('parallelText buffers', () => {
  it('reads later ranges into the buffers workers hand back, with the same results', {
    timeout: 60_000,
  }, async () => {
    const expected = Array.from({ length: LINES }, (_, i) => i)
    const kept = await run('line-range-worker')
    expect(kept.values).toEqual(expected)
    expect(kept.reads).toBe(kept.ranges)
    const reused = await run('line-range-give-back')
    expect(reused.values).toEqual(expected)
    expect(reused.ranges).toBeGreaterThan(30)
    // new buffers for the first ranges (a quarter of the size while the workers start, then those
    // in flight until the first come back), the rest read into buffers handed back
    expect(reused.reads).toBeLessThan(reused.ranges / 2)
  })
})
