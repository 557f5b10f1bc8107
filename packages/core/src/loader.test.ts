import { describe, expect, it } from 'vitest'
import { FormatError } from './errors.js'
import type { DatasetStats } from './instruments.js'
import { StreamingDataLoader } from './loader.js'
import type { LoaderOptions } from './options.js'
import type { ReadContext } from './pass.js'
import { RecordBatch } from './record-batch.js'

/** A loader over the integers 0..n-1, counting what it reads; optionally seekable. */
class RangeLoader extends StreamingDataLoader<{ id: number }> {
  reads = 0
  opened = 0
  closed = 0
  startBatches: number[] = []
  constructor(
    private readonly n: number,
    options: LoaderOptions & { canSeek?: boolean; failAt?: number } = {},
  ) {
    super(options)
    this.canSeek = options.canSeek ?? false
    this.failAt = options.failAt
  }
  private readonly canSeek: boolean
  private readonly failAt: number | undefined

  protected override get seekable(): boolean {
    return this.canSeek
  }

  protected override cacheKey(): string {
    return `range:${this.n}`
  }

  protected async *readBatches(ctx: ReadContext) {
    this.opened++
    this.startBatches.push(ctx.startBatch)
    try {
      for (let b = ctx.startBatch; b * ctx.batchSize < this.n; b++) {
        if (b === this.failAt)
          throw new FormatError('bad block', { location: { file: 'range.bin', batch: b } })
        await new Promise<void>((r) => setImmediate(r))
        this.reads++
        const start = b * ctx.batchSize
        const end = Math.min(this.n, start + ctx.batchSize)
        ctx.countBytes((end - start) * 4)
        yield RecordBatch.fromColumns<{ id: number }>({
          id: Int32Array.from({ length: end - start }, (_, i) => start + i),
        })
      }
    } finally {
      this.closed++
    }
  }
}

describe('StreamingDataLoader', () => {
  it('gives a subclass batches, stats with source bytes, and the dataset API', async () => {
    const loader = new RangeLoader(25, { batchSize: 10 })
    const ds = loader.toDataset()
    expect((await ds.toArray()).map((r) => r.id)).toEqual(Array.from({ length: 25 }, (_, i) => i))
    const t = ds.getStats().throughput
    expect(t?.totalRecords).toBe(25)
    expect(t?.totalBatches).toBe(3)
    expect(t?.totalBytes).toBe(100)
    expect(t?.avgBatchTime).toBeGreaterThan(0)
    expect(t?.timeToFirstBatch).toBeGreaterThan(0)
  })

  it('serves a second pass from the cache without reading the source', async () => {
    const loader = new RangeLoader(100, { batchSize: 10 })
    const ds = loader.toDataset()
    expect(await ds.count()).toBe(100)
    expect(loader.reads).toBe(10)
    expect(await ds.count()).toBe(100)
    expect(loader.reads).toBe(10)
    expect(loader.opened).toBe(1)
    const cache = ds.getStats().cache
    expect(cache?.hits).toBe(10)
    expect(cache?.itemCount).toBe(11)
  })

  it('reads every pass from the source with cacheEnabled: false', async () => {
    const loader = new RangeLoader(100, { batchSize: 10, cacheEnabled: false })
    await loader.toDataset().count()
    await loader.toDataset().count()
    expect(loader.reads).toBe(20)
    expect(loader.getStats().cache).toBeUndefined()
  })

  it('resumes a seekable source after the cached prefix', async () => {
    const loader = new RangeLoader(100, { batchSize: 10, canSeek: true })
    const ds = loader.toDataset()
    expect(await ds.take(35).count()).toBe(35)
    const readFirst = loader.reads
    expect(await ds.count()).toBe(100)
    // the batches of the first pass came from the cache, the rest from the source
    expect(loader.startBatches.at(-1)).toBe(readFirst)
    expect(loader.reads).toBe(10)
  })

  it('stops caching a pass that outgrows the cache', async () => {
    // 1000 batches of 10 int32 = 40 KB of data; a 0.01 MiB cache holds about a quarter of it
    const loader = new RangeLoader(10_000, { batchSize: 10, cacheSizeMb: 0.01 })
    await loader.toDataset().count()
    await loader.toDataset().count()
    expect(loader.reads).toBe(2000)
    expect(loader.getStats().cache?.itemCount).toBe(1)
  })

  it('closes the source on break and after an error, and passes SdErrors through', async () => {
    const loader = new RangeLoader(1000, { batchSize: 10, cacheEnabled: false })
    for await (const _ of loader.iterBatches()) break
    expect(loader.closed).toBe(1)
    const failing = new RangeLoader(1000, { batchSize: 10, failAt: 3, cacheEnabled: false })
    let seen = 0
    let caught: unknown
    try {
      for await (const _ of failing.iterBatches()) seen++
    } catch (err) {
      caught = err
    }
    expect(seen).toBe(3)
    expect(caught).toBeInstanceOf(FormatError)
    expect((caught as Error).message).toBe('bad block (at file "range.bin", batch 3)')
    expect(failing.closed).toBe(1)
  })

  it('reads ahead by at most prefetchBatches', async () => {
    const loader = new RangeLoader(1000, { batchSize: 10, prefetchBatches: 4, cacheEnabled: false })
    let consumed = 0
    let maxAhead = 0
    for await (const _ of loader.iterBatches()) {
      consumed++
      for (let k = 0; k < 10; k++) await new Promise<void>((r) => setImmediate(r))
      maxAhead = Math.max(maxAhead, loader.reads - consumed)
    }
    expect(consumed).toBe(100)
    expect(maxAhead).toBe(4)
  })
})

describe('format statistics', () => {
  interface CountingStats extends DatasetStats {
    evenBatches: number
  }

  class CountingLoader extends StreamingDataLoader<{ id: number }, CountingStats> {
    #even = 0
    protected *readBatches(ctx: ReadContext) {
      for (let b = 0; b < 4; b++) {
        if (b % 2 === 0) this.#even++
        yield RecordBatch.fromColumns<{ id: number }>({ id: Int32Array.of(b) })
        if (ctx.signal.aborted) return
      }
    }
    override getStats(): CountingStats {
      return { ...super.getStats(), evenBatches: this.#even }
    }
  }

  it('reach derived datasets with their type', async () => {
    const ds = new CountingLoader({ cacheEnabled: false })
      .toDataset()
      .map((b) => b)
      .take(4)
    expect(await ds.count()).toBe(4)
    const stats = ds.getStats()
    expect(stats.evenBatches).toBe(2)
  })
})

describe('stopping early', () => {
  class HangingLoader extends StreamingDataLoader {
    sawAbort = false
    protected async *readBatches(ctx: ReadContext) {
      yield RecordBatch.fromColumns({ id: Int32Array.of(0) })
      // the second read only ends when the pass is cancelled, like a slow network read
      await new Promise<void>((resolve) =>
        ctx.signal.addEventListener('abort', () => resolve(), { once: true }),
      )
      this.sawAbort = ctx.signal.aborted
    }
  }

  it.each([0, 2])(
    'aborts the read under way when the consumer breaks (prefetchBatches %i)',
    async (prefetchBatches) => {
      const loader = new HangingLoader({ prefetchBatches, cacheEnabled: false })
      for await (const _ of loader.iterBatches()) break
      expect(loader.sawAbort).toBe(prefetchBatches >= 2)
    },
  )
})
