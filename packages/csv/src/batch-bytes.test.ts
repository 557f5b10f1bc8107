import type { RecordBatch } from '@sd/core'
import { describe, expect, it } from 'vitest'
import { CsvParseEngine } from './csv-parse-engine.js'
import { CsvDecoder } from './decoder.js'
import type { CsvParser } from './engine.js'
import { FastCsvEngine } from './fast-engine.js'
import { resolveCsvOptions } from './options.js'

/** 200 records of 100 bytes each (99 characters and a line break) under a header. */
function text(): Uint8Array {
  const lines = ['id,name']
  for (let i = 0; i < 200; i++) lines.push(`${String(i).padStart(5, '0')},${'x'.repeat(93)}`)
  return new TextEncoder().encode(`${lines.join('\n')}\n`)
}

function batches(engine: 'fast' | 'csv-parse', maxBatchBytes: number): RecordBatch[] {
  const options = resolveCsvOptions({ engine })
  const decoder = new CsvDecoder({
    at: { file: 'mem.csv' },
    options,
    batchSize: 10_000,
    maxBatchBytes,
    layout: undefined,
    counters: { skippedRecords: 0, nulledValues: 0 },
    onSkip: undefined,
  })
  const parser: CsvParser =
    engine === 'fast' ? new FastCsvEngine(decoder, options) : new CsvParseEngine(decoder, options)
  const bytes = text()
  const out: RecordBatch[] = []
  for (let i = 0; i < bytes.length; i += 777) {
    parser.write(bytes.slice(i, i + 777))
    out.push(...parser.takeBatches())
  }
  parser.end()
  out.push(...parser.takeBatches())
  return out
}

describe('batches are capped by bytes as well as rows', () => {
  for (const engine of ['fast', 'csv-parse'] as const) {
    it(`ends a batch once its records hold maxBatchBytes of text (${engine})`, () => {
      const got = batches(engine, 2_000)
      // 20 records of 100 bytes reach 2,000 bytes: the first batch (which decides the types) and
      // every later one end there, far below batchSize
      expect(got.map((b) => b.numRows)).toEqual(Array(10).fill(20))
      expect(got[0]?.schema.map((f) => f.type)).toEqual(['int32', 'string'])
      expect(got.at(-1)?.column('id')?.at(-1)).toBe(199)
    })
  }

  it('leaves batches to batchSize when the cap is not reached', () => {
    expect(batches('fast', 1 << 20).map((b) => b.numRows)).toEqual([200])
  })
})
