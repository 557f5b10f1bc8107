import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { RecordBatch } from '../../record-batch.js'
import {
  type LinePayload,
  type LineTask,
  linePassBase,
  lineRange,
  parseLines,
} from '../../test-support/line-ranges.js'
import { WorkerPool } from '../../workers/pool.js'
import { FileRangeReader } from '../file-range.js'
import { parallelText, type RangeItem, type TextPosition } from './parallel-text.js'

const dir = mkdtempSync(join(tmpdir(), 'sd-parallel-text-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const LINES = 60_000
const path = join(dir, 'lines.txt')
writeFileSync(path, Array.from({ length: LINES }, (_, i) => `${i}\n`).join(''))

type Producer = 'serial' | 'ahead' | 'worker'

/** Every value of the file through `parallelText`, and which thread parsed each batch, in order. */
async function run(options: { serialDelayMs: number; workerDelayMs: number; local: boolean }) {
  const reader = await FileRangeReader.open(path)
  const pool = new WorkerPool<LineTask, RangeItem<LinePayload>>({
    module: new URL('../../test-support/line-range-worker.ts', import.meta.url),
    size: 2,
    name: 'line ranges',
    window: 8,
  })
  const producers: Producer[] = []
  const values: number[] = []
  const batch = (vs: number[]) => RecordBatch.fromColumns({ v: Float64Array.from(vs) })
  try {
    const pass = parallelText<LineTask, LinePayload>({
      ...linePassBase(reader, pool),
      task: (range) => ({
        task: { range, delayMs: options.workerDelayMs },
        transfer: [range.bytes.buffer as ArrayBuffer],
      }),
      ...(options.local ? { local: (task: LineTask, range) => lineRange({ ...task, range }) } : {}),
      async *serial(at, until): AsyncGenerator<RecordBatch, TextPosition> {
        await new Promise((resolve) => setTimeout(resolve, options.serialDelayMs))
        const end = Math.min(reader.byteLength, until)
        const bytes = await reader.read(at.byte, Math.min(reader.byteLength, end + 64))
        const parsed = parseLines(bytes, at.byte, at.byte, end)
        producers.push('serial')
        yield batch(parsed.values)
        return { byte: parsed.stop, line: at.line + parsed.lines, row: at.row + parsed.values.length }
      },
      accept: (payload) => {
        producers.push(payload.thread === 0 ? 'ahead' : 'worker')
        return [batch(payload.values)]
      },
    })
    for await (const b of pass) values.push(...(b.column('v') as Float64Array))
  } finally {
    await pool.close()
    await reader.close()
  }
  return { values, producers }
}

describe('parallelText', () => {
  it('shares the ranges between this thread and the workers, in file order', {
    timeout: 60_000,
  }, async () => {
    // this thread is slow enough per range for the workers to start before it reaches the end
    const { values, producers } = await run({ serialDelayMs: 5, workerDelayMs: 0, local: true })
    expect(values).toEqual(Array.from({ length: LINES }, (_, i) => i))
    // the first ranges are this thread's (the workers are starting), later ones the workers'
    expect(producers[0]).toBe('serial')
    expect(producers).toContain('worker')
    expect(producers.indexOf('worker')).toBeGreaterThan(0)
  })

  it('parses ranges ahead in this thread while the workers are busy', { timeout: 60_000 }, async () => {
    // workers slower per range than this thread: it takes later ranges ahead of them
    const { values, producers } = await run({ serialDelayMs: 5, workerDelayMs: 40, local: true })
    expect(values).toEqual(Array.from({ length: LINES }, (_, i) => i))
    expect(producers).toContain('worker')
    expect(producers).toContain('ahead')
    // an 'ahead' range comes out after a worker's range before it
    expect(producers.lastIndexOf('ahead')).toBeGreaterThan(producers.indexOf('worker'))
  })
})
