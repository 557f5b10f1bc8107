import type { RecordBatch } from '@sd/core'
import { describe, expect, it } from 'vitest'
import { ColumnBuilder } from './column-builder.js'
import { NdjsonReader } from './ndjson-reader.js'

/** 200 NDJSON lines of 100 bytes each (99 characters and a line break). */
function text(): Buffer {
  const lines: string[] = []
  for (let i = 0; i < 200; i++) lines.push(`{"id":${String(i + 10_000)},"s":"${'x'.repeat(80)}"}`)
  expect(lines[0]?.length).toBe(99)
  return Buffer.from(`${lines.join('\n')}\n`)
}

function batches(maxBatchBytes: number): RecordBatch[] {
  const counters = { skippedRecords: 0, nulledValues: 0 }
  const reader = new NdjsonReader({
    at: { file: 'mem.ndjson' },
    onBadRecord: 'error',
    maxRecordBytes: 1 << 20,
    counters,
  })
  const builder = new ColumnBuilder({
    batchSize: 10_000,
    maxBatchBytes,
    int64: 'bigint',
    columns: undefined,
    columnTypes: {},
    onBadValue: 'error',
    onSkip: undefined,
    counters,
    locate: (line) => reader.locate(line),
  })
  const out: RecordBatch[] = []
  const bytes = text()
  for (let i = 0; i < bytes.length; i += 777) {
    reader.push(bytes.subarray(i, i + 777))
    while (reader.fill(builder)) out.push(builder.take() as RecordBatch)
  }
  reader.end()
  while (reader.fill(builder)) out.push(builder.take() as RecordBatch)
  const last = builder.take()
  if (last) out.push(last)
  return out
}

describe('NDJSON batches are capped by bytes as well as rows', () => {
  it('ends a batch once its lines hold maxBatchBytes of text', () => {
    const got = batches(2_000)
    // 20 lines of 100 bytes reach 2,000 bytes: the first batch (which decides the columns) and
    // every later one end there, far below batchSize
    expect(got.map((b) => b.numRows)).toEqual(Array(10).fill(20))
    expect(got[0]?.schema.map((f) => f.type)).toEqual(['int32', 'string'])
    expect(got.at(-1)?.column('id')?.at(-1)).toBe(10_199)
  })

  it('leaves batches to batchSize when the cap is not reached', () => {
    expect(batches(1 << 20).map((b) => b.numRows)).toEqual([200])
  })
})
