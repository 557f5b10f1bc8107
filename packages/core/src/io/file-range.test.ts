import { mkdtemp, readdir, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { NotFoundError, StateError, ValidationError } from '../errors.js'
import { FileRangeReader } from './file-range.js'
import { openRange } from './open-range.js'

const openFds = async () => (await readdir('/proc/self/fd')).length

describe('FileRangeReader', () => {
  it('reads ranges through one descriptor and releases it on close', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sd-range-'))
    const path = join(dir, 'x.bin')
    const data = Uint8Array.from({ length: 5000 }, (_, i) => i % 256)
    await writeFile(path, data)
    const fds = await openFds()
    const reader = await openRange(path)
    expect(await openFds()).toBe(fds + 1)
    expect(reader.byteLength).toBe(5000)
    expect(await reader.read(10, 20)).toEqual(data.subarray(10, 20))
    expect(await reader.read(4990, 9999)).toEqual(data.subarray(4990))
    await reader.close()
    expect(await openFds()).toBe(fds)
    await expect(reader.read(0, 1)).rejects.toBeInstanceOf(StateError)
  })

  it('names the missing file, and refuses a directory', async () => {
    const err = await FileRangeReader.open('/nonexistent/sd/file.parquet').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(NotFoundError)
    expect((err as Error).message).toContain('/nonexistent/sd/file.parquet')
    await expect(FileRangeReader.open(tmpdir())).rejects.toBeInstanceOf(ValidationError)
  })
})
