/**
 * Arrow interop end to end: our batch -> `@sd/core/arrow` -> Arrow IPC -> parquet-wasm writes
 * Parquet -> `loadParquet` reads back the same values, nulls included, vectors and dictionary
 * strings too.
 */

import { writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { DictionaryColumn, type Field, RecordBatch, Utf8Column } from '@sd/core'
import { toArrowTable } from '@sd/core/arrow'
import { rowsDifference } from '@sd/core/testing'
import { tableToIPC } from 'apache-arrow'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadParquet } from './load.js'
import { tempDir } from './test-support/fixtures.js'

// parquet-wasm's Node build is CommonJS
const parquetWasm = createRequire(import.meta.url)('parquet-wasm/node') as typeof import('parquet-wasm/node')

let dir: string
let cleanup: () => Promise<void>
beforeAll(async () => {
  ;({ dir, cleanup } = await tempDir())
})
afterAll(() => cleanup())

const SCHEMA: Field[] = [
  { name: 'i32', type: 'int32', nullable: true },
  { name: 'i64', type: 'int64', nullable: true },
  { name: 'f32', type: 'float32', nullable: false },
  { name: 'f64', type: 'float64', nullable: true },
  { name: 'ok', type: 'bool', nullable: true },
  { name: 's', type: 'string', nullable: true },
  { name: 'bin', type: 'binary', nullable: false },
  { name: 'day', type: 'date', nullable: true },
  { name: 'ts', type: 'timestamp', nullable: true, unit: 'ms' },
  { name: 'emb', type: 'vector', nullable: true, dimension: 4 },
  { name: 'level', type: 'string', nullable: true },
]

const LEVELS = ['low', 'mid', 'high', 'très haut']

/** A dictionary string column (Arrow Dictionary<Int32, Utf8>), null every tenth row. */
function levels(n: number): DictionaryColumn {
  const validity = new Uint8Array(Math.ceil(n / 8)).fill(0xff)
  let nulls = 0
  for (let i = 0; i < n; i += 10) {
    validity[i >>> 3] = (validity[i >>> 3] as number) & ~(1 << (i & 7))
    nulls++
  }
  const indices = Int32Array.from({ length: n }, (_, i) => (i % 10 === 0 ? 0 : (i * 7) % LEVELS.length))
  return new DictionaryColumn(indices, Utf8Column.from(LEVELS), validity, nulls)
}

function batch(n: number): RecordBatch {
  const ids = Array.from({ length: n }, (_, i) => i)
  return RecordBatch.fromColumns(
    {
      i32: ids.map((i) => (i % 7 === 0 ? null : i * 3 - 500)),
      i64: ids.map((i) => (i % 11 === 0 ? null : BigInt(i) * 10_000_000_000n)),
      f32: Float32Array.from(ids, (i) => i / 8),
      f64: ids.map((i) => (i % 5 === 0 ? null : i * 0.1)),
      ok: ids.map((i) => (i % 13 === 0 ? null : i % 2 === 0)),
      s: ids.map((i) => (i % 3 === 0 ? null : `s${i % 17}-é`)),
      bin: ids.map((i) => Uint8Array.of(i % 256, 7)),
      day: ids.map((i) => (i % 9 === 0 ? null : new Date(Date.UTC(2024, 0, 1 + (i % 300))))),
      ts: ids.map((i) => (i % 4 === 0 ? null : new Date(1_700_000_000_000 + i * 1000))),
      emb: ids.map((i) => (i % 6 === 0 ? null : Float32Array.of(i, -i, i / 3, 0.5))),
      level: levels(n),
    },
    SCHEMA,
  )
}

describe('Arrow IPC -> parquet-wasm -> loadParquet', () => {
  it('reads back the values and the nulls of our batch', async () => {
    const original = batch(5000)
    expect(original.data('level').kind).toBe('dictionary')
    const ipc = tableToIPC(toArrowTable([original]), 'stream')
    const table = parquetWasm.Table.fromIPCStream(ipc)
    const props = new parquetWasm.WriterPropertiesBuilder().setMaxRowGroupSize(2000).build()
    const path = join(dir, 'from-arrow.parquet')
    await writeFile(path, parquetWasm.writeParquet(table, props))
    const back = await loadParquet(path, { batchSize: 1500 }).collect()
    expect(back.numRows).toBe(5000)
    expect(back.columnNames).toEqual(SCHEMA.map((f) => f.name))
    for (const field of SCHEMA) {
      const got = back.data(field.name)
      const want = original.data(field.name)
      expect([field.name, back.field(field.name).type]).toEqual([field.name, field.type])
      for (let i = 0; i < 5000; i++)
        if (got.isNull(i) !== want.isNull(i))
          expect([field.name, i, got.isNull(i)]).toEqual([field.name, i, want.isNull(i)])
    }
    expect(rowsDifference([back], [original])).toBeUndefined()
    // typed columns stay typed
    expect(back.column('i32')).toBeInstanceOf(Int32Array)
    expect(back.column('i64')).toBeInstanceOf(BigInt64Array)
    // the vector comes back flat, its dimension from the Arrow schema parquet-wasm keeps in the
    // footer (Parquet itself only says LIST<FLOAT>)
    const emb = back.data('emb')
    expect(emb.kind).toBe('vector')
    expect(back.field('emb').dimension).toBe(4)
    expect(back.column('emb')).toEqual(original.column('emb'))
    expect(back.column('emb')).toBeInstanceOf(Float32Array)
    // dictionary pages (4 entries for 1,500-row batches) stay indices + dictionary
    expect(back.data('level').kind).toBe('dictionary')
    expect(back.column('level')).toEqual(original.column('level'))
    expect(back.data('level').nullCount).toBe(500)
  })
})
