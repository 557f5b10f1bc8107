import { existsSync, readFileSync } from 'node:fs'
import { AbortError, NotFoundError, RecordBatch, StreamingDataset, VectorColumn } from '@sd/core'
import { describe, expect, it } from 'vitest'
import { createMemoryMappedVectors, loadMemoryMappedVectors, loadVectors } from './load.js'
import type { VectorRow } from './loader.js'
import { backends, eachTempDir, flat, openFds, skipBackend, vectors } from './test-support/fixtures.js'

describe.each(backends)('$backend backend', ({ backend }) => {
  const tmp = eachTempDir()

  describe.skipIf(skipBackend(backend))('as a StreamingDataset', () => {
    it('loadVectors yields index and vector columns in batches, and closes the file after each pass', async () => {
      const path = tmp.path('v.npy')
      createMemoryMappedVectors(path, { dimension: 5, initialVectors: flat(0, 1234, 5), backend }).close()
      const fds = openFds()
      const ds = loadVectors(path, { batchSize: 100, backend })
      expect(await ds.schema()).toEqual([
        { name: 'index', type: 'int32', nullable: false },
        { name: 'vector', type: 'vector', nullable: false, dimension: 5 },
      ])
      const sizes: number[] = []
      for await (const batch of ds) {
        sizes.push(batch.numRows)
        const index = batch.column('index') as Int32Array
        const column = batch.data('vector')
        expect(index).toBeInstanceOf(Int32Array)
        // one flat Float32Array of rows x dimension
        expect(batch.column('vector')).toBeInstanceOf(Float32Array)
        for (let k = 0; k < batch.numRows; k++) expect(column.get(k)).toEqual(flat(index[k] as number, 1, 5))
      }
      expect(sizes).toEqual([...new Array(12).fill(100), 34])
      expect(ds.getStats().throughput?.totalBytes).toBe(1234 * 20)
      expect(openFds()).toBe(fds)
      const rows = await ds.toArray()
      expect(rows).toHaveLength(1234)
      const row = rows[1000] as VectorRow
      expect(row.index).toBe(1000)
      expect([...row.vector]).toEqual(vectors(1000, 1, 5)[0])
      expect(openFds()).toBe(fds)
    })

    it('closes the file when the consumer breaks early or aborts', async () => {
      const path = tmp.path('v.f32')
      createMemoryMappedVectors(path, { dimension: 4, initialVectors: flat(0, 5000, 4), backend }).close()
      const fds = openFds()
      const ds = loadVectors(path, { dimension: 4, batchSize: 10, backend })
      for await (const batch of ds) {
        expect(batch.numRows).toBe(10)
        break
      }
      expect(openFds()).toBe(fds)
      const controller = new AbortController()
      const seen: number[] = []
      await expect(
        (async () => {
          for await (const batch of ds.iterBatches({ signal: controller.signal })) {
            seen.push(batch.numRows)
            if (seen.length === 3) controller.abort()
          }
        })(),
      ).rejects.toBeInstanceOf(AbortError)
      expect(openFds()).toBe(fds)
    })

    it('batches hold the vectors as one VectorColumn over the block read (a view of the mapping with mmap)', async () => {
      const v = createMemoryMappedVectors(tmp.path('v.npy'), {
        dimension: 8,
        initialVectors: flat(0, 1000, 8),
        backend,
      })
      let rows = 0
      for await (const batch of v.toDataset({ batchSize: 300, cacheEnabled: false })) {
        const data = batch.data('vector')
        expect(data).toBeInstanceOf(VectorColumn)
        const column = data as VectorColumn
        expect(column.dimension).toBe(8)
        expect(column.values).toBe(batch.column('vector'))
        expect(column.values).toEqual(flat(rows, batch.numRows, 8))
        expect(batch.byteSize).toBe(batch.numRows * (8 * 4 + 4))
        // zero-copy on the mapping backend: the column is a view of the same mapping get() uses
        if (backend === 'mmap') expect(column.values.buffer).toBe(v.get(0).buffer)
        rows += batch.numRows
      }
      expect(rows).toBe(1000)
      v.close()
    })

    it('toDataset reads an open file and leaves it open; filters and takes compose', async () => {
      const v = createMemoryMappedVectors(tmp.path('v.npy'), {
        dimension: 3,
        initialVectors: flat(0, 300, 3),
        backend,
      })
      const even = v
        .toDataset({ batchSize: 64 })
        .filter((batch) => Uint8Array.from(batch.column('index') as Int32Array, (i) => (i % 2 === 0 ? 1 : 0)))
        .take(20)
      const rows = await even.toArray()
      expect(rows.map((r) => r.index)).toEqual(Array.from({ length: 20 }, (_, k) => 2 * k))
      expect(rows.map((r) => [...(r.vector as Float32Array)])).toEqual(
        rows.map((r) => vectors(r.index as number, 1, 3)[0]),
      )
      expect(v.closed).toBe(false)
      expect(v.get(299)).toEqual(flat(299, 1, 3))
      v.close()
    })

    it('iterBatches feeds StreamingDataset.from as a vector column', async () => {
      const v = createMemoryMappedVectors(tmp.path('v.f32'), {
        dimension: 2,
        initialVectors: flat(0, 50, 2),
        backend,
      })
      const ds = StreamingDataset.from(async function* () {
        for await (const block of v.iterBatches(16)) {
          const column: Float32Array[] = []
          for (let k = 0; k < block.length; k += 2) column.push(block.subarray(k, k + 2))
          yield RecordBatch.fromColumns({ vector: column })
        }
      })
      const batch = await ds.collect()
      expect(batch.numRows).toBe(50)
      expect(batch.field('vector')).toEqual({ name: 'vector', type: 'vector', nullable: false, dimension: 2 })
      expect(batch.data('vector').get(49)).toEqual(flat(49, 1, 2))
      expect((batch.column('vector') as Float32Array).subarray(98, 100)).toEqual(flat(49, 1, 2))
      v.close()
    })

    it('cacheSizeMb is the batch cache: a file that fits is replayed from it, a changed file is read again', async () => {
      const path = tmp.path('v.npy')
      // 2000 x 16 float32: 128 KB
      createMemoryMappedVectors(path, { dimension: 16, initialVectors: flat(0, 2000, 16), backend }).close()
      const ds = loadVectors(path, { batchSize: 500, cacheSizeMb: 1, backend })
      expect(ds.getStats().cache?.maxSizeBytes).toBe(2 ** 20)
      const first = await ds.collect()
      // four batches and the pass's end marker
      expect(ds.getStats().cache).toMatchObject({ hits: 0, itemCount: 5 })
      const second = await ds.collect()
      expect(ds.getStats().cache?.hits).toBe(4)
      expect(second.column('index')).toEqual(first.column('index'))
      expect(second.data('vector').get(1999)).toEqual(flat(1999, 1, 16))
      // an append changes the file (size, time): the next pass reads it
      const w = loadMemoryMappedVectors(path, { mode: 'r+', backend })
      w.append(flat(2000, 10, 16))
      w.close()
      const third = await ds.collect()
      expect(third.numRows).toBe(2010)
      expect(third.data('vector').get(2009)).toEqual(flat(2009, 1, 16))

      // a file larger than the cache streams through without filling it
      const small = loadVectors(path, { batchSize: 500, cacheSizeMb: 0.1, backend })
      await small.collect()
      await small.collect()
      expect(small.getStats().cache).toMatchObject({ hits: 0, itemCount: 0 })
      // without the cache
      const none = loadVectors(path, { batchSize: 500, cacheEnabled: false, backend })
      expect((await none.collect()).numRows).toBe(2010)
      expect(none.getStats().cache).toBeUndefined()
    })

    it('refuses the page cache options of earlier releases under their old names', () => {
      const path = tmp.path('v.npy')
      createMemoryMappedVectors(path, { dimension: 2, initialVectors: flat(0, 2, 2), backend }).close()
      for (const [old, now] of [
        ['cacheSizeMb', 'pageCacheMb'],
        ['pageSize', 'chunkBytes'],
      ]) {
        expect(() => loadMemoryMappedVectors(path, { backend, [old as string]: 8 })).toThrow(
          new RegExp(`the option ${old} was renamed: use ${now}`),
        )
      }
      const v = loadMemoryMappedVectors(path, { backend, pageCacheMb: 1, chunkBytes: 64 })
      v.get(0)
      expect(v.cacheStats()?.maxSizeBytes).toBe(backend === 'pread' ? 2 ** 20 : undefined)
      v.close()
    })

    it('reports a missing file when a pass starts', async () => {
      await expect(loadVectors(tmp.path('missing.npy'), { backend }).toArray()).rejects.toBeInstanceOf(
        NotFoundError,
      )
    })

    it('releases the descriptor when iterBatches stops early, with reads in flight', async () => {
      const path = tmp.path('v.f32')
      createMemoryMappedVectors(path, { dimension: 16, initialVectors: flat(0, 4000, 16), backend }).close()
      const fds = openFds()
      const v = loadMemoryMappedVectors(path, { dimension: 16, backend })
      let n = 0
      for await (const batch of v.iterBatches(100, { prefetch: 4 })) {
        expect(batch).toEqual(flat(n * 100, 100, 16))
        if (++n === 2) break
      }
      v.close()
      expect(openFds()).toBe(fds)
    })
  })
})

describe('loadVectors backend', () => {
  const tmp = eachTempDir()
  /** Whether `path` is mapped into this process now (Linux: /proc/self/maps names mapped files). */
  const mapped = (path: string) => readFileSync('/proc/self/maps', 'utf8').includes(path)

  it.skipIf(!existsSync('/proc/self/maps') || skipBackend('mmap'))(
    "reads a pass with positional reads under 'auto' (its batches are copies anyway), and maps the file when asked to",
    async () => {
      const path = tmp.path('v.npy')
      createMemoryMappedVectors(path, { dimension: 8, initialVectors: flat(0, 3000, 8) }).close()
      const seen: boolean[] = []
      let rows = 0
      for await (const batch of loadVectors(path, { batchSize: 1000 })) {
        seen.push(mapped(path))
        expect(batch.column('vector')).toEqual(flat(rows, batch.numRows, 8))
        rows += batch.numRows
      }
      expect(rows).toBe(3000)
      expect(seen).toEqual([false, false, false])
      const explicit: boolean[] = []
      for await (const batch of loadVectors(path, { batchSize: 100, backend: 'mmap' })) {
        explicit.push(mapped(path))
        expect(batch.numRows).toBe(100)
      }
      // the loader reads a few batches ahead: the pass closes (and unmaps) the file before the last
      expect(explicit).toHaveLength(30)
      expect(explicit.slice(0, 20)).toEqual(new Array(20).fill(true))
      expect(mapped(path)).toBe(false)
    },
  )
})
