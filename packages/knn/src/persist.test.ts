import {
  copyFileSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CarReader } from '@ipld/car/reader'
import { CarWriter } from '@ipld/car/writer'
import { SdError } from '@sd/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KnnIndex } from './knn-index.js'
import { MAX_BLOCK_BYTES } from './manifest.js'
import type { Metric } from './metric.js'
import { mulberry32 } from './random.js'
import { hasNumpy, python } from './test-support/numpy.js'
import { jsTopK } from './test-support/reference.js'

const d = 300 // 873 rows per 1 MiB block: several blocks, the last one partial
const n = 2000
const rand = mulberry32(5)
const rows = Float32Array.from({ length: n * d }, () => rand() - 0.5)
const queries = Float32Array.from({ length: 4 * d }, () => rand() - 0.5)
let dir: string

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sd-knn-save-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function failure(promise: Promise<unknown>): Promise<SdError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(SdError)
  return error as SdError
}

function build(metric: Metric): KnnIndex {
  const index = new KnnIndex({ dimension: d, metric, workers: 0 })
  index.addVectors(
    rows.subarray(0, 1500 * d),
    Array.from({ length: 1500 }, (_, i) => ({
      name: `v${i}`,
      tags: [i % 3, 'x'],
      nested: { even: i % 2 === 0 },
    })),
  )
  index.addVectors(rows.subarray(1500 * d)) // default metadata for the rest
  index.remove([3, 1600, 1999])
  return index
}

describe('save and load', () => {
  it.each(['cosine', 'euclidean', 'dot'] as Metric[])(
    '%s: a reloaded index gives identical results',
    async (metric) => {
      const index = build(metric)
      const path = join(dir, `${metric}.car`)
      const saved = await index.save(path)
      expect(saved.npy).toBe(join(dir, `${metric}.npy`))
      const loaded = await KnnIndex.load(path, { workers: 0 })
      expect(loaded.length).toBe(index.length)
      expect(loaded.rowCount).toBe(n)
      expect(loaded.metric).toBe(metric)
      for (const filter of [undefined, { 'nested.even': true }, { id: { $in: ['1700', '1701'] } }]) {
        const options = filter ? { filter } : {}
        expect(await loaded.searchBatch(queries, 7, options)).toEqual(
          await index.searchBatch(queries, 7, options),
        )
      }
      const hits = await loaded.searchBatch(queries, 5)
      const live = (r: number) => r !== 3 && r !== 1600 && r !== 1999
      expect(hits.map((q) => q.map((h) => h.index))).toEqual(
        jsTopK(metric, rows, queries, d, 5, live).map((q) => q.map((h) => h.index)),
      )
      expect(loaded.metadata(10)).toEqual({ name: 'v10', tags: [1, 'x'], nested: { even: true } })
      expect(loaded.metadata(1700)).toEqual({ id: '1700' })
    },
  )

  it('writes a CAR of verified blocks no larger than 1 MiB, vectors as whole rows, manifest as root', async () => {
    const path = join(dir, 'blocks.car')
    const saved = await build('cosine').save(path)
    const reader = await CarReader.fromBytes(readFileSync(path))
    const [root] = await reader.getRoots()
    expect(root?.toString()).toBe(saved.root)
    const dagCbor = await import('@ipld/dag-cbor')
    const rootBlock = await reader.get(root as never)
    const manifest = dagCbor.decode(rootBlock?.bytes as Uint8Array) as {
      vectors: unknown[]
      rows: number
      rowsPerBlock: number
    }
    expect(manifest.rows).toBe(n)
    expect(manifest.rowsPerBlock).toBe(Math.floor(MAX_BLOCK_BYTES / (d * 4)))
    expect(manifest.vectors.length).toBe(Math.ceil(n / manifest.rowsPerBlock))
    let blocks = 0
    for await (const block of reader.blocks()) {
      blocks++
      expect(block.bytes.length).toBeLessThanOrEqual(MAX_BLOCK_BYTES)
    }
    expect(blocks).toBe(saved.blocks)
  })

  it.skipIf(!hasNumpy())('writes a .npy that NumPy opens with the same rows', async () => {
    const path = join(dir, 'numpy.car')
    const saved = await build('dot').save(path)
    const out = python(`
a = np.load(${JSON.stringify(saved.npy)}, mmap_mode='r')
print(json.dumps({'shape': list(a.shape), 'dtype': str(a.dtype), 'row7': [float(x) for x in a[7, :3]], 'sum': float(np.asarray(a, dtype=np.float64).sum())}))`)
    const got = JSON.parse(out) as { shape: number[]; dtype: string; row7: number[]; sum: number }
    expect(got.shape).toEqual([n, d])
    expect(got.dtype).toBe('float32')
    expect(got.row7).toEqual(Array.from(rows.subarray(7 * d, 7 * d + 3)))
    expect(got.sum).toBeCloseTo(
      rows.reduce((s, v) => s + v, 0),
      3,
    )
  })

  it('refuses a corrupt, truncated, incomplete or foreign file, and returns nothing half-loaded', async () => {
    const path = join(dir, 'good.car')
    await build('euclidean').save(path)
    const size = statSync(path).size

    const flipped = join(dir, 'flipped.car')
    copyFileSync(path, flipped)
    const bytes = readFileSync(flipped)
    const at = Math.floor(size / 2) // inside a vector block
    bytes.writeUInt8(bytes.readUInt8(at) ^ 0xff, at)
    writeFileSync(flipped, bytes)
    const hash = await failure(KnnIndex.load(flipped))
    expect(hash.code).toBe('CAR_HASH_MISMATCH')
    expect(hash.message).toContain(flipped)

    const truncated = join(dir, 'truncated.car')
    copyFileSync(path, truncated)
    truncateSync(truncated, size - 1000)
    expect((await failure(KnnIndex.load(truncated))).code).toMatch(/CAR_TRUNCATED|CAR_MISSING_BLOCK/)
    truncateSync(truncated, 20)
    expect((await failure(KnnIndex.load(truncated))).code).toMatch(/CAR_TRUNCATED|CAR_BAD_HEADER/)

    // a CAR without one of its vector blocks
    const reader = await CarReader.fromBytes(readFileSync(path))
    const roots = await reader.getRoots()
    const { writer, out } = CarWriter.create(roots)
    const chunks: Uint8Array[] = []
    const collected = (async () => {
      for await (const c of out) chunks.push(c)
    })()
    let skipped = false
    for await (const block of reader.blocks()) {
      if (!skipped && block.bytes.length === Math.floor(MAX_BLOCK_BYTES / (d * 4)) * d * 4) {
        skipped = true
        continue
      }
      await writer.put(block)
    }
    await writer.close()
    await collected
    const missing = join(dir, 'missing.car')
    writeFileSync(missing, Buffer.concat(chunks))
    expect(skipped).toBe(true)
    expect((await failure(KnnIndex.load(missing))).code).toBe('CAR_MISSING_BLOCK')

    const foreign = join(dir, 'foreign.car')
    writeFileSync(foreign, 'not a car at all')
    expect((await failure(KnnIndex.load(foreign))).code).toBe('CAR_BAD_HEADER')
    expect((await failure(KnnIndex.load(join(dir, 'absent.car')))).code).toBe('NOT_FOUND')
  })

  it('refuses metadata that cannot be saved, naming the row, and leaves earlier files alone', async () => {
    const path = join(dir, 'keep.car')
    await build('dot').save(path)
    const before = readFileSync(path)
    const index = new KnnIndex({ dimension: 2, workers: 0 })
    index.addVectors(
      [
        [1, 0],
        [0, 1],
      ],
      [{ ok: 1 }, { bad: Number.NaN }],
    )
    const error = await failure(index.save(path))
    expect(error.code).toBe('KNN_BAD_METADATA')
    expect(error.message).toMatch(/index 1/)
    expect(readFileSync(path).equals(before)).toBe(true)
  })
})
