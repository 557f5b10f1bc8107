import { join } from 'node:path'
import * as dagCbor from '@ipld/dag-cbor'
import {
  BoolColumn,
  DictionaryColumn,
  FixedColumn,
  JsonColumn,
  packBits,
  RecordBatch,
  StreamingDataset,
  Utf8Column,
  VectorColumn,
} from '@sd/core'
import { describe, expect, it } from 'vitest'
import { CarFileSource } from './car-file-source.js'
import { MAX_WRITTEN_BLOCK_BYTES } from './car-writer.js'
import { loadCar } from './load.js'
import { openCar } from './open-car.js'
import { tempDir } from './test-support/files.js'
import { writeCar } from './write-car.js'

const dir = tempDir()

/** A batch of every layout, rows [start, start + n). */
function batchOf(start: number, n: number): RecordBatch {
  const ids = new BigInt64Array(n)
  const xs = new Float64Array(n)
  const valid: number[] = []
  const names: (string | null)[] = []
  const flags: number[] = []
  const vectors = new Float32Array(n * 3)
  const json: unknown[] = []
  const indices = new Int32Array(n)
  for (let i = 0; i < n; i++) {
    const r = start + i
    ids[i] = BigInt(r) * 1_000_000_007n
    xs[i] = r % 10 === 0 ? Number.NaN : r * 0.5 - 100
    valid.push(r % 7 === 0 ? 0 : 1)
    names.push(r % 11 === 0 ? null : `name-${r}-${'é'.repeat(r % 3)}`)
    flags.push(r % 2)
    vectors.set([r, -r, r / 2], i * 3)
    json.push(r % 5 === 0 ? null : { r, tags: [r % 3] })
    indices[i] = r % 4
  }
  return RecordBatch.fromData(
    [
      { name: 'id', type: 'int64', nullable: false },
      { name: 'x', type: 'float64', nullable: true },
      { name: 'name', type: 'string', nullable: true },
      { name: 'flag', type: 'bool', nullable: false },
      { name: 'v', type: 'vector', nullable: false, dimension: 3 },
      { name: 'j', type: 'json', nullable: true },
      { name: 'cat', type: 'string', nullable: false },
      { name: 'ts', type: 'timestamp', nullable: false, unit: 'us' },
    ],
    [
      new FixedColumn('int64', ids),
      new FixedColumn('float64', xs, packBits(valid)),
      Utf8Column.from(names),
      new BoolColumn(packBits(flags), n),
      new VectorColumn(vectors, 3),
      new JsonColumn(json),
      new DictionaryColumn(indices, Utf8Column.from(['a', 'bb', 'ccc', 'dddd'])),
      new FixedColumn(
        'timestamp',
        BigInt64Array.from(ids, (v) => v / 1000n),
        undefined,
        { unit: 'us', timezone: 'UTC' },
      ),
    ],
  )
}

describe('writeCar and loadCar: the batch layout', () => {
  it('round-trips every column layout, nulls and all, in batches of any size', async () => {
    const batches = [batchOf(0, 1000), batchOf(1000, 1), batchOf(1001, 2500).slice(7, 2007)]
    const car = join(dir, 'all.car')
    const result = await writeCar(batches, car)
    expect(result.numRows).toBe(3001)
    const back = await loadCar(car, { batchSize: 700 }).collect()
    const want = RecordBatch.concat(batches)
    expect(back.numRows).toBe(want.numRows)
    expect(back.schema).toEqual(want.schema)
    expect(back.rows()).toEqual(want.rows())
    const reader = await openCar(car)
    const report = await reader.verify()
    await reader.close()
    expect(report.ok).toBe(true)
  })

  it('keeps per-batch statistics: null counts, and min/max of numeric columns (NaN aside)', async () => {
    const car = join(dir, 'stats.car')
    const { manifest } = await writeCar([batchOf(0, 100), batchOf(100, 50)], car)
    expect(manifest.batches.map((b) => [b.rowStart, b.rowEnd])).toEqual([
      [0, 100],
      [100, 150],
    ])
    const [first] = manifest.batches
    expect(first?.stats[0]).toEqual({ nulls: 0, min: 0n, max: 99n * 1_000_000_007n })
    // x = r * 0.5 - 100 for r not a multiple of 7 (nulls) nor of 10 (NaN)
    expect(first?.stats[1]).toEqual({ nulls: 15, min: -99.5, max: -50.5 })
    expect(first?.stats[2]).toEqual({ nulls: 10 })
    const reader = await openCar(car)
    const reread = await reader.manifest()
    await reader.close()
    expect(reread).toEqual(manifest)
  })

  it('splits a column larger than 1 MiB into linked pieces; no block passes 1 MiB and a bit', async () => {
    const n = 300_000 // 2.4 MB of int64
    const batch = RecordBatch.fromData(
      [{ name: 'id', type: 'int64', nullable: false }],
      [
        new FixedColumn(
          'int64',
          BigInt64Array.from({ length: n }, (_, i) => BigInt(i)),
        ),
      ],
    )
    const car = join(dir, 'big.car')
    const { manifest } = await writeCar([batch], car)
    const source = await CarFileSource.open(car)
    let largest = 0
    for await (const block of source.blocks()) largest = Math.max(largest, block.bytes.length)
    const column = dagCbor.decode(await source.get(manifest.batches[0]?.columns[0] as never)) as {
      buffers: { values: unknown[] }
    }
    await source.close()
    expect(largest).toBeLessThanOrEqual(MAX_WRITTEN_BLOCK_BYTES)
    expect(column.buffers.values).toHaveLength(3)
    const back = await loadCar(car).collect()
    expect(Array.from(back.column('id') as BigInt64Array).slice(-2)).toEqual([BigInt(n - 2), BigInt(n - 1)])
  })

  it('reads only the columns and batches asked for, fetching only their blocks', async () => {
    const car = join(dir, 'some.car')
    await writeCar([batchOf(0, 100), batchOf(100, 100), batchOf(200, 100)], car)
    const ds = loadCar(car, { columns: ['name', 'id'], batches: [2, 0], cacheEnabled: false })
    const batch = await ds.collect()
    expect(batch.columnNames).toEqual(['name', 'id'])
    expect(batch.numRows).toBe(200)
    expect(Array.from(batch.column('id') as BigInt64Array).slice(99, 101)).toEqual([
      99n * 1_000_000_007n,
      200n * 1_000_000_007n,
    ])
    expect(ds.getStats().car.blocksRead).toBe(4) // two columns of two batches
    await expect(loadCar(car, { columns: ['nope'] }).collect()).rejects.toMatchObject({
      code: 'UNKNOWN_COLUMN',
    })
    await expect(loadCar(car, { batches: [3] }).collect()).rejects.toMatchObject({ code: 'INVALID_OPTION' })
  })

  it('writes an empty dataset with its schema, and refuses batches whose columns change', async () => {
    const empty = StreamingDataset.from(() => [batchOf(0, 5).slice(0, 0)])
    const car = join(dir, 'empty.car')
    const { manifest } = await writeCar(empty, car)
    expect(manifest.numRows).toBe(0)
    expect(await loadCar(car).count()).toBe(0)
    const other = RecordBatch.fromColumns({ id: Int32Array.of(1) })
    await expect(writeCar([batchOf(0, 3), other], join(dir, 'bad.car'))).rejects.toMatchObject({
      code: 'SCHEMA_MISMATCH',
    })
  })

  it('refuses json values JSON would change', async () => {
    const batch = RecordBatch.fromData(
      [{ name: 'j', type: 'json', nullable: false }],
      [new JsonColumn([{ a: 1n }])],
    )
    await expect(writeCar([batch], join(dir, 'bigint.car'))).rejects.toMatchObject({ code: 'TYPE_MISMATCH' })
  })
})
