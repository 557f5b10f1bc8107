import { statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { RecordBatch } from '@sd/core'
import { loadParquet } from '@sd/parquet'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type GatewayServer, serveGateway } from './gateway-server.js'
import { loadCar } from './load.js'
import type { FileManifest } from './manifest.js'
import { packFile } from './pack.js'
import { duckdb } from './test-support/duckdb.js'
import { tempDir } from './test-support/files.js'
import { writeCar } from './write-car.js'

const dir = tempDir()
const MiB = 1 << 20
const parquet = join(dir, 'big.parquet')
const car = join(dir, 'big.car')
let manifest: FileManifest
let gateway: GatewayServer

beforeAll(async () => {
  // about 100 MB: random doubles and hex strings do not compress
  await duckdb(
    `COPY (SELECT i::BIGINT AS id, random() AS r, md5(i::VARCHAR) AS h, (i % 97)::INTEGER AS k FROM range(1800000) t(i))
     TO '${parquet}' (FORMAT parquet, ROW_GROUP_SIZE 150000, COMPRESSION uncompressed)`,
  )
  manifest = (await packFile(parquet, car)).manifest
  gateway = await serveGateway({ cars: [car] })
}, 120_000)
afterAll(() => gateway.close())

/** Indexes of the 1 MiB leaves bytes `[start, end)` lie in. */
function leaves(start: number, end: number): number[] {
  const out: number[] = []
  for (let i = Math.floor(start / MiB); i <= Math.floor((end - 1) / MiB); i++) out.push(i)
  return out
}

function rowsOf(g: number): number {
  const batch = manifest.batches[g] as FileManifest['batches'][number]
  return batch.rowEnd - batch.rowStart
}

/** Typed arrays with the same bytes (vitest's deep equality walks them element by element). */
function sameBytes(a: unknown, b: unknown): boolean {
  const bytes = (v: unknown) => {
    const view = v as ArrayBufferView
    return Buffer.from(view.buffer, view.byteOffset, view.byteLength)
  }
  return ArrayBuffer.isView(a) && ArrayBuffer.isView(b) && bytes(a).equals(bytes(b))
}

describe('loadCar over a packed Parquet file', () => {
  it('reads the same table as loadParquet on the file', async () => {
    expect(statSync(parquet).size).toBeGreaterThan(90 * MiB)
    expect(manifest.batches).toHaveLength(12)
    const ours = loadCar(car, { batchSize: 50_000, columns: ['id', 'k'], batches: [1, 2, 3] })
    const theirs = loadParquet(parquet, { batchSize: 50_000, columns: ['id', 'k'], rowGroups: [1, 2, 3] })
    let rows = 0
    const a = ours[Symbol.asyncIterator]()
    for await (const want of theirs) {
      const got = await a.next()
      expect(got.done).toBe(false)
      const batch = got.value as Exclude<typeof got.value, undefined>
      expect(sameBytes(batch.column('id'), want.column('id'))).toBe(true)
      expect(sameBytes(batch.column('k'), want.column('k'))).toBe(true)
      rows += want.numRows
    }
    expect((await a.next()).done).toBe(true)
    expect(rows).toBe([1, 2, 3].reduce((n, g) => n + rowsOf(g), 0))
    expect(await ours.schema()).toEqual(manifest.schema?.filter((f) => f.name === 'id' || f.name === 'k'))
  })

  it('one row group touches only its blocks and those of the footer (counted)', async () => {
    const g = 5
    const group = manifest.batches[g] as FileManifest['batches'][number]
    const ds = loadCar(car, { batches: [g], cacheEnabled: false })
    const batch = await ds.collect()
    expect(batch.numRows).toBe(group.rowEnd - group.rowStart)
    expect((batch.column('id') as BigInt64Array)[0]).toBe(BigInt(group.rowStart))
    const size = manifest.byteLength
    const expected = new Set([
      ...leaves(group.byteStart, group.byteEnd),
      ...leaves(Math.max(0, size - 64 * 1024), size),
    ])
    expect(ds.getStats().car.blocksRead).toBe(expected.size)
    expect(expected.size).toBeLessThan(Math.ceil(size / MiB) / 5)
  })

  it('streams through serveGateway on 127.0.0.1 and equals the file: every batch, every column', async () => {
    const url = `${gateway.url}/ipfs/${String(gateway.roots[0])}`
    const fromGateway = loadCar(url, { batchSize: 100_000, cacheEnabled: false })
    const fromFile = loadParquet(parquet, { batchSize: 100_000, cacheEnabled: false })
    expect(await fromGateway.schema()).toEqual(await fromFile.schema())
    const got = fromGateway[Symbol.asyncIterator]()
    let rows = 0
    let batches = 0
    for await (const want of fromFile) {
      const next = await got.next()
      expect(next.done).toBe(false)
      const batch = next.value as RecordBatch
      expect(batch.numRows).toBe(want.numRows)
      const ours = batch.columns()
      const theirs = want.columns()
      expect(ours.map((c) => [c.kind, c.type, c.length, c.nullCount])).toEqual(
        theirs.map((c) => [c.kind, c.type, c.length, c.nullCount]),
      )
      for (const [j, column] of ours.entries()) {
        const a = column.buffers()
        const b = (theirs[j] as (typeof theirs)[number]).buffers()
        expect(a.length).toBe(b.length)
        for (const [k, view] of a.entries()) expect(sameBytes(view, b[k])).toBe(true)
      }
      rows += want.numRows
      batches++
    }
    expect((await got.next()).done).toBe(true)
    expect(rows).toBe(manifest.numRows)
    expect(batches).toBeGreaterThan(manifest.batches.length)
    expect(fromGateway.getStats().car.bytesRead).toBeGreaterThan(manifest.byteLength * 0.9)
  })
})

describe('keys from data never become prototypes', () => {
  const names = ['__proto__', 'constructor', 'toString']
  const protoOfRows = Object.getPrototypeOf({})

  function expectOwnKeys(rows: Record<string, unknown>[], values: unknown[][]) {
    expect(rows).toHaveLength(values.length)
    for (const [i, row] of rows.entries()) {
      expect(Object.getPrototypeOf(row)).toBe(protoOfRows)
      expect(Object.keys(row)).toEqual(names)
      for (const [j, name] of names.entries()) {
        expect(Object.hasOwn(row, name)).toBe(true)
        expect(Object.getOwnPropertyDescriptor(row, name)?.value).toEqual(values[i]?.[j])
      }
      expect((row as { isAdmin?: unknown }).isAdmin).toBeUndefined()
      expect(String(Object.prototype.toString.call(row))).toBe('[object Object]')
    }
    expect(({} as { isAdmin?: unknown }).isAdmin).toBeUndefined()
  }

  it('in a packed NDJSON file (a nested object under __proto__ stays a value)', async () => {
    const path = join(dir, 'proto.ndjson')
    writeFileSync(
      path,
      '{"__proto__":{"isAdmin":true},"constructor":"c0","toString":1}\n' +
        '{"__proto__":{"isAdmin":true,"n":2},"constructor":"c1","toString":2}\n',
    )
    const packed = await packFile(path, join(dir, 'proto-ndjson.car'))
    expect(packed.manifest.layout === 'file' && packed.manifest.format).toBe('ndjson')
    const rows = await loadCar(join(dir, 'proto-ndjson.car')).toArray()
    expectOwnKeys(rows, [
      [{ isAdmin: true }, 'c0', 1],
      [{ isAdmin: true, n: 2 }, 'c1', 2],
    ])
    const nested = Object.getOwnPropertyDescriptor(rows[0], '__proto__')?.value as object
    expect(Object.getPrototypeOf(nested)).toBe(protoOfRows)
  })

  it('in a packed CSV file', async () => {
    const path = join(dir, 'proto.csv')
    writeFileSync(path, '__proto__,constructor,toString\nisAdmin,x,1\nisAdmin,y,2\n')
    await packFile(path, join(dir, 'proto-csv.car'))
    const rows = await loadCar(join(dir, 'proto-csv.car')).toArray()
    expectOwnKeys(rows, [
      ['isAdmin', 'x', 1],
      ['isAdmin', 'y', 2],
    ])
  })

  it('in the batch layout of writeCar (manifest schema and statistics included)', async () => {
    const batch = RecordBatch.fromColumns({
      ['__proto__']: ['isAdmin', 'b'],
      constructor: Int32Array.of(3, 4),
      toString: Float64Array.of(0.5, 1.5),
    })
    expect(batch.schema.map((f) => f.name)).toEqual(names)
    const written = await writeCar([batch], join(dir, 'proto-batches.car'))
    expect(written.manifest.schema?.map((f) => f.name)).toEqual(names)
    const ds = loadCar(join(dir, 'proto-batches.car'))
    expect((await ds.schema())?.map((f) => f.name)).toEqual(names)
    expectOwnKeys(await ds.toArray(), [
      ['isAdmin', 3, 0.5],
      ['b', 4, 1.5],
    ])
    const projected = await loadCar(join(dir, 'proto-batches.car'), {
      columns: ['toString', '__proto__'],
    }).toArray()
    expect(projected.map((r) => Object.keys(r))).toEqual([
      ['toString', '__proto__'],
      ['toString', '__proto__'],
    ])
    expect(Object.getPrototypeOf(projected[0])).toBe(protoOfRows)
  })
})
