import { join } from 'node:path'
import * as dagCbor from '@ipld/dag-cbor'
import { FixedColumn, RecordBatch, Utf8Column } from '@sd/core'
import type { CID } from 'multiformats/cid'
import { describe, expect, it } from 'vitest'
import { CarFileSource } from './car-file-source.js'
import { loadCar } from './load.js'
import { blockOffset, flipped } from './test-support/corrupt.js'
import { tempDir } from './test-support/files.js'
import { writeCar } from './write-car.js'

const dir = tempDir()

describe('a flipped byte in the batch layout', () => {
  it.each(['column', 'piece'] as const)(
    'a %s block: loadCar fails with CAR_HASH_MISMATCH, no batch from it',
    async (kind) => {
      const n = 200_000 // 1.6 MB of float64: the column links two pieces
      const batch = RecordBatch.fromData(
        [
          { name: 'x', type: 'float64', nullable: false },
          { name: 's', type: 'string', nullable: false },
        ],
        [
          new FixedColumn(
            'float64',
            Float64Array.from({ length: n }, (_, i) => i / 3),
          ),
          Utf8Column.from(Array.from({ length: n }, (_, i) => `s${i % 9}`)),
        ],
      )
      const car = join(dir, `cols-${kind}.car`)
      const { manifest } = await writeCar([batch, batch.slice(0, 10)], car)
      const column = manifest.batches[0]?.columns[0] as CID
      const source = await CarFileSource.open(car)
      const head = dagCbor.decode(await source.get(column)) as { buffers: { values: CID[] } }
      await source.close()
      const target = kind === 'column' ? column : (head.buffers.values[1] as CID)
      const bad = flipped(car, (await blockOffset(car, target)) + 3, dir, `bad-cols-${kind}.car`)
      const batches: number[] = []
      const err = await (async () => {
        for await (const b of loadCar(bad, { columns: ['x'] })) batches.push(b.numRows)
      })().catch((e: unknown) => e)
      expect(err).toMatchObject({ code: 'CAR_HASH_MISMATCH', cid: target.toString() })
      expect(batches).toEqual([])
      // the other column's blocks are fine
      expect(await loadCar(bad, { columns: ['s'] }).count()).toBe(n + 10)
    },
  )
})
