import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { AuthError, RecordBatch } from '@sd/core'
import { type S3Server, startS3Server } from '@sd/core/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CarFileSource } from './car-file-source.js'
import { loadCar } from './load.js'
import { openCar } from './open-car.js'
import { packFile } from './pack.js'
import { duckdb } from './test-support/duckdb.js'
import { tempDir } from './test-support/files.js'
import { writeCar } from './write-car.js'

const dir = tempDir()
const packedCar = join(dir, 'packed.car')
const storedCar = join(dir, 'stored.car')
let server: S3Server
let second: { rowStart: number; rowEnd: number } | undefined

beforeAll(async () => {
  const parquet = join(dir, 'events.parquet')
  await duckdb(
    `COPY (SELECT i::BIGINT AS id, 'e-' || (i % 13) AS kind, i / 4.0 AS score FROM range(20000) t(i))
     TO '${parquet}' (FORMAT parquet, ROW_GROUP_SIZE 6000)`,
  )
  const { manifest } = await packFile(parquet, packedCar)
  second = manifest.layout === 'file' ? manifest.batches[1] : undefined
  const ids = Int32Array.from({ length: 9000 }, (_, i) => i * 3)
  const batches = [0, 3000, 6000].map((at) =>
    RecordBatch.fromColumns({
      id: ids.slice(at, at + 3000),
      name: Array.from(ids.subarray(at, at + 3000), (i) => `n${i}`),
    }),
  )
  await writeCar(batches, storedCar)
  server = await startS3Server({ buckets: ['data'] })
  await server.put('data', 'cars/packed.car', readFileSync(packedCar))
  await server.put('data', 'cars/stored.car', readFileSync(storedCar))
})
afterAll(() => server?.close())

describe('CARs in an S3-compatible object store', () => {
  it('loadCar on s3:// reads a packed Parquet file equal to the local CAR, every batch and column', async () => {
    const s3 = server.s3Options()
    const remote = await loadCar('s3://data/cars/packed.car', { s3, batchSize: 4000 }).toArray()
    const local = await loadCar(packedCar, { batchSize: 4000 }).toArray()
    expect(remote).toHaveLength(20000)
    expect(remote).toEqual(local)
    // only the batches asked for: the second row group
    const { rowStart, rowEnd } = second as { rowStart: number; rowEnd: number }
    expect(rowStart).toBeGreaterThan(0)
    const one = await loadCar('s3://data/cars/packed.car', { s3, batches: [1], columns: ['id'] }).toArray()
    expect(one).toEqual(local.slice(rowStart, rowEnd).map((r) => ({ id: r.id })))
  })

  it('loadCar on s3:// reads a batch-layout CAR equal to the local one', async () => {
    const s3 = server.s3Options()
    const remote = await loadCar('s3://data/cars/stored.car', { s3 }).toArray()
    expect(remote).toHaveLength(9000)
    expect(remote).toEqual(await loadCar(storedCar).toArray())
  })

  it('openCar on s3:// scans the CAR with signed range requests (no sidecar) and verifies it', async () => {
    const since = (await server.seen()).length
    const car = await openCar('s3://data/cars/packed.car', { s3: server.s3Options() })
    try {
      const local = await CarFileSource.open(packedCar)
      expect(car.roots.map(String)).toEqual(local.roots.map(String))
      await local.close()
      const report = await car.verify()
      expect(report.ok).toBe(true)
    } finally {
      await car.close()
    }
    const seen = await server.seen(since)
    expect(seen.length).toBeGreaterThan(0)
    expect(seen.every((r) => r.signed && r.path.startsWith('/data/cars/packed.car'))).toBe(true)
    expect(seen.some((r) => r.range !== undefined)).toBe(true)
  })

  it('a sharded pass opens the s3:// CAR per unit without scanning it again', async () => {
    const s3 = server.s3Options()
    const since = (await server.seen()).length
    const ranks = await Promise.all(
      [0, 1].map((rank) =>
        loadCar('s3://data/cars/packed.car', { s3, batchSize: 2500, columns: ['id'] })
          .shard({ rank, worldSize: 2 })
          .toArray(),
      ),
    )
    const ids = ranks.flat().map((r) => Number(r.id))
    expect(ids.sort((a, b) => a - b)).toEqual(Array.from({ length: 20000 }, (_, i) => i))
    const seen = (await server.seen(since)).filter((r) => r.path === '/data/cars/packed.car')
    // the header and the index are read once per loader, not once per unit
    const fromStart = seen.filter((r) => r.method === 'GET' && /^bytes=0-/.test(r.range ?? ''))
    expect(fromStart).toHaveLength(2)
    expect(seen.filter((r) => r.method === 'HEAD').length).toBeGreaterThan(2)
  })

  it('a wrong secret is an AuthError naming the bucket and key', async () => {
    const s3 = { ...server.s3Options(), secretAccessKey: 'not-the-secret' }
    const err = await loadCar('s3://data/cars/packed.car', { s3 })
      .count()
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(AuthError)
    expect(err).toMatchObject({ location: { url: 's3://data/cars/packed.car' } })
  })

  it('reads a file: URL as the local path, sidecar included', async () => {
    const opened = await CarFileSource.open(pathToFileURL(packedCar).href)
    try {
      expect(opened.indexFromSidecar).toBe(true)
    } finally {
      await opened.close()
    }
  })
})
