import { describe, expect, it } from 'vitest'
import { StreamingDataset } from './dataset.js'
import { AbortError, SdError } from './errors.js'
import { RecordBatch } from './record-batch.js'

type IdRow = { id: number }

function rows(n: number): IdRow[] {
  return Array.from({ length: n }, (_, id) => ({ id }))
}

/** A columnar source that counts how many batches it produced. */
function countingSource(total: number, batchSize: number) {
  const counter = { produced: 0, closed: 0 }
  const source = async function* () {
    try {
      for (let start = 0; start < total; start += batchSize) {
        await new Promise<void>((r) => setImmediate(r))
        counter.produced++
        const n = Math.min(batchSize, total - start)
        yield RecordBatch.fromColumns<IdRow>({ id: Int32Array.from({ length: n }, (_, i) => start + i) })
      }
    } finally {
      counter.closed++
    }
  }
  return { counter, source }
}

describe('StreamingDataset', () => {
  it('gives 10 batches for 1,000 rows at batchSize 100', async () => {
    const ds = StreamingDataset.from(rows(1000), { batchSize: 100 })
    const sizes: number[] = []
    for await (const batch of ds.iterBatches()) sizes.push(batch.numRows)
    expect(sizes).toEqual(Array(10).fill(100))
    expect(await ds.count()).toBe(1000)
  })

  it('is lazy and re-iterable', async () => {
    const { counter, source } = countingSource(300, 100)
    const ds = StreamingDataset.from(source, { batchSize: 100 })
    expect(counter.produced).toBe(0)
    expect(await ds.count()).toBe(300)
    expect(await ds.count()).toBe(300)
    expect(counter.produced).toBe(6)
  })

  it('refuses to re-read a consumed one-shot generator', async () => {
    const ds = StreamingDataset.from(countingSource(10, 5).source(), { batchSize: 5 })
    expect(await ds.count()).toBe(10)
    await expect(ds.count()).rejects.toMatchObject({ code: 'SOURCE_CONSUMED' })
  })

  it('map with batched: false adds a field to every row', async () => {
    const ds = StreamingDataset.from(rows(1000), { batchSize: 100 }).map(
      (row) => ({ ...row, double: row.id * 2 }),
      {
        batched: false,
      },
    )
    const out = await ds.toArray()
    expect(out).toHaveLength(1000)
    expect(out.every((r) => r.double === r.id * 2)).toBe(true)
    expect((await ds.schema()).map((f) => f.name)).toEqual(['id', 'double'])
  })

  it('batched map may return rows or a batch', async () => {
    const ds = StreamingDataset.from(rows(10), { batchSize: 4 }).map((batch) =>
      RecordBatch.fromColumns({ id: batch.column('id'), one: new Float64Array(batch.numRows).fill(1) }),
    )
    const collected = await ds.collect()
    expect(collected.numRows).toBe(10)
    expect(collected.column('one')).toEqual(new Float64Array(10).fill(1))
    const viaRows = await StreamingDataset.from(rows(3))
      .map((b) => b.rows().map((r) => ({ x: r.id })))
      .toArray()
    expect(viaRows).toEqual([{ x: 0 }, { x: 1 }, { x: 2 }])
  })

  it('elementwise filter keeping even ids gives 500 rows and no empty batches', async () => {
    const ds = StreamingDataset.from(rows(1000), { batchSize: 100 }).filter((row) => row.id % 2 === 0, {
      batched: false,
    })
    let total = 0
    let batches = 0
    for await (const batch of ds) {
      expect(batch.numRows).toBeGreaterThan(0)
      for (const row of batch.rows()) expect(row.id % 2).toBe(0)
      total += batch.numRows
      batches++
    }
    expect(total).toBe(500)
    expect(batches).toBe(10)
  })

  it('a batched filter returning false for all gives 0 batches and keeps the schema', async () => {
    const ds = StreamingDataset.from(rows(1000), { batchSize: 100 }).filter(() => false)
    let batches = 0
    for await (const _ of ds) batches++
    expect(batches).toBe(0)
    const mask = StreamingDataset.from(rows(10), { batchSize: 5 }).filter((b) =>
      Uint8Array.from(b.rows(), (r) => (r.id < 3 ? 1 : 0)),
    )
    expect((await mask.toArray()).map((r) => r.id)).toEqual([0, 1, 2])
  })

  it('take(250) stops reading the source early', async () => {
    const { counter, source } = countingSource(1000, 100)
    const ds = StreamingDataset.from(source, { batchSize: 100, prefetchBatches: 2 })
    const out = await ds.take(250).toArray()
    expect(out).toHaveLength(250)
    expect(out[249]?.id).toBe(249)
    // three batches are needed, and read-ahead may add at most two more
    expect(counter.produced).toBeLessThanOrEqual(5)
    expect(counter.closed).toBe(1)
  })

  it('skip, rebatch and select', async () => {
    const ds = StreamingDataset.from(
      Array.from({ length: 25 }, (_, id) => ({ id, name: `n${id}` })),
      { batchSize: 10 },
    )
    expect((await ds.skip(22).toArray()).map((r) => r.id)).toEqual([22, 23, 24])
    const sizes: number[] = []
    for await (const b of ds.rebatch(7)) sizes.push(b.numRows)
    expect(sizes).toEqual([7, 7, 7, 4])
    const selected = await ds.select(['name']).take(2).toArray()
    expect(selected).toEqual([{ name: 'n0' }, { name: 'n1' }])
  })

  it('a mapped or filtered dataset reports the source throughput', async () => {
    const source = StreamingDataset.from(rows(1000), { batchSize: 100 })
    const mapped = source
      .map((r) => ({ id: r.id + 1 }), { batched: false })
      .filter((r) => r.id > 500, { batched: false })
    const kept = await mapped.toArray()
    expect(kept).toHaveLength(500)
    const stats = mapped.getStats()
    expect(stats.throughput?.totalRecords).toBe(1000)
    expect(stats.throughput?.totalBatches).toBe(10)
    expect(stats.throughput?.recordsPerSecond).toBeGreaterThan(0)
    expect(stats.cache).toBeDefined()
    expect(source.getStats().throughput?.totalRecords).toBe(1000)
  })

  it('leaves out throughput and cache when turned off', () => {
    const stats = StreamingDataset.from(rows(1), { collectStats: false, cacheEnabled: false }).getStats()
    expect(stats).toEqual({})
  })

  it('stops with AbortError and closes the source when the signal aborts', async () => {
    const { counter, source } = countingSource(1000, 10)
    const controller = new AbortController()
    const ds = StreamingDataset.from(source, { batchSize: 10, signal: controller.signal })
    let seen = 0
    await expect(
      (async () => {
        for await (const _ of ds) {
          if (++seen === 3) controller.abort()
        }
      })(),
    ).rejects.toBeInstanceOf(AbortError)
    expect(seen).toBe(3)
    expect(counter.closed).toBe(1)
    // an already aborted signal fails before reading anything
    await expect(ds.count()).rejects.toMatchObject({ code: 'ABORTED' })
  })

  it('a per-pass signal cancels only that pass', async () => {
    const ds = StreamingDataset.from(rows(100), { batchSize: 10 })
    const controller = new AbortController()
    controller.abort()
    await expect(ds.count({ signal: controller.signal })).rejects.toBeInstanceOf(AbortError)
    expect(await ds.count()).toBe(100)
  })

  it('wraps a source failure in an SdError that names the batch, after the good batches', async () => {
    async function* failing() {
      yield RecordBatch.fromRows([{ id: 1 }])
      throw new TypeError('disk on fire')
    }
    const seen: number[] = []
    let caught: unknown
    try {
      for await (const b of StreamingDataset.from(() => failing())) seen.push(b.numRows)
    } catch (err) {
      caught = err
    }
    expect(seen).toEqual([1])
    expect(caught).toBeInstanceOf(SdError)
    expect((caught as SdError).code).toBe('SOURCE_ERROR')
    expect((caught as Error).message).toContain('disk on fire')
    expect((caught as SdError).location?.batch).toBe(1)
  })

  it('collect() of an empty dataset is an empty batch, schema() is []', async () => {
    const ds = StreamingDataset.from([])
    expect((await ds.collect()).numRows).toBe(0)
    expect(await ds.schema()).toEqual([])
  })

  it('rejects invalid options', () => {
    expect(() => StreamingDataset.from([], { batchSize: 0 })).toThrow(/batchSize/)
    expect(() => StreamingDataset.from([]).take(-1)).toThrow(/take/)
  })
})
