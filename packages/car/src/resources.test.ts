import { existsSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { RecordBatch } from '@sd/core'
import { beforeAll, describe, expect, it } from 'vitest'
import { loadCar } from './load.js'
import { packFile } from './pack.js'
import { WORKER_MIN_BYTES } from './sha256-worker.js'
import { tempDir } from './test-support/files.js'
import { pseudoRandomBytes } from './test-support/importer.js'
import { writeCar } from './write-car.js'

const dir = tempDir()
const fds = () => readdirSync('/proc/self/fd').length
const threads = () => readdirSync('/proc/self/task').length
const settle = () => new Promise((resolve) => setTimeout(resolve, 50))

beforeAll(async () => {
  const batches = Array.from({ length: 5 }, (_, b) =>
    RecordBatch.fromColumns({ id: Int32Array.from({ length: 1000 }, (_, i) => b * 1000 + i) }),
  )
  await writeCar(batches, join(dir, 'five.car'))
  // warm the thread pool, so that its threads are in the baseline
  await loadCar(join(dir, 'five.car')).count()
})

describe('handles and workers are released', () => {
  it('an early break closes the CAR', async () => {
    await settle()
    const before = fds()
    for await (const batch of loadCar(join(dir, 'five.car'), { batchSize: 1000 })) {
      expect(batch.numRows).toBe(1000)
      break
    }
    await settle()
    expect(fds()).toBe(before)
  })

  it('an abort while packing a large file ends the hashing worker, closes the files and leaves no CAR', async () => {
    const big = join(dir, 'big.bin')
    writeFileSync(big, pseudoRandomBytes(WORKER_MIN_BYTES + 5 * (1 << 20), 3))
    await settle()
    const before = { fds: fds(), threads: threads() }
    const controller = new AbortController()
    const packing = packFile(big, join(dir, 'big.car'), { signal: controller.signal })
    setTimeout(() => controller.abort(), 30)
    await expect(packing).rejects.toMatchObject({ code: 'ABORTED' })
    await settle()
    expect(existsSync(join(dir, 'big.car'))).toBe(false)
    expect(readdirSync(dir).filter((f) => f.includes('partial'))).toEqual([])
    expect({ fds: fds(), threads: threads() }).toEqual(before)
  })
})
