import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FileRangeReader } from './file-range.js'
import type { RangeReader } from './range-reader.js'
import { readAheadReader } from './read-ahead-reader.js'

let dir: string
let path: string
const data = Uint8Array.from({ length: 10_000 }, (_, i) => (i * 7) % 256)

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sd-read-ahead-'))
  path = join(dir, 'data.bin')
  await writeFile(path, data)
})
afterAll(() => rm(dir, { recursive: true, force: true }))

/** A file reader that records every read reaching it and how many were in flight at most. */
async function watched() {
  const file = await FileRangeReader.open(path)
  const log = { reads: [] as [number, number][], inFlight: 0, peak: 0, closed: false }
  const reader: RangeReader = {
    name: file.name,
    byteLength: file.byteLength,
    version: file.version,
    async read(start, end, signal) {
      log.reads.push([start, end])
      log.inFlight++
      log.peak = Math.max(log.peak, log.inFlight)
      try {
        await new Promise((r) => setTimeout(r, 2))
        return await file.read(start, end, signal)
      } finally {
        log.inFlight--
      }
    },
    async close() {
      log.closed = true
      await file.close()
    },
  }
  return { reader, log }
}

/** Reads the whole file front to back in steps of `size`, as a parser does. */
async function scan(reader: RangeReader, size: number): Promise<Uint8Array> {
  const out = new Uint8Array(reader.byteLength)
  for (let at = 0; at < reader.byteLength; at += size) out.set(await reader.read(at, at + size), at)
  return out
}

describe('readAheadReader', () => {
  it('keeps `depth` reads of the same size in flight ahead of a front-to-back reader, each byte read once', async () => {
    const { reader, log } = await watched()
    const ahead = readAheadReader(reader, { depth: 3 })
    expect(await scan(ahead, 1000)).toEqual(data)
    expect(log.peak).toBe(4)
    expect(log.reads).toEqual(Array.from({ length: 10 }, (_, i) => [i * 1000, i * 1000 + 1000]))
    await ahead.close()
    expect(log.closed).toBe(true)
  })

  it('bounds the bytes read ahead (one read always goes ahead), and depth 0 reads only what is asked', async () => {
    const bounded = await watched()
    expect(await scan(readAheadReader(bounded.reader, { depth: 8, maxBytes: 2500 }), 1000)).toEqual(data)
    expect(bounded.log.peak).toBe(3)
    const one = await watched()
    expect(await scan(readAheadReader(one.reader, { depth: 8, maxBytes: 10 }), 1000)).toEqual(data)
    expect(one.log.peak).toBe(2)
    const none = await watched()
    expect(await scan(readAheadReader(none.reader, { depth: 0 }), 1000)).toEqual(data)
    expect(none.log.peak).toBe(1)
    expect(none.log.reads.length).toBe(10)
  })

  it('reads ahead only once a read continues the one before, and answers any other read from the file', async () => {
    const { reader, log } = await watched()
    const ahead = readAheadReader(reader, { depth: 2 })
    expect(await ahead.read(0, 1000)).toEqual(data.subarray(0, 1000))
    expect(await ahead.read(5000, 5500)).toEqual(data.subarray(5000, 5500))
    expect(await ahead.read(5500, 6000)).toEqual(data.subarray(5500, 6000))
    expect(await ahead.read(9900, 20_000)).toEqual(data.subarray(9900))
    expect(log.reads).toEqual([
      [0, 1000],
      [5000, 5500],
      [5500, 6000],
      [6000, 6500],
      [6500, 7000],
      [9900, 10_000],
    ])
    await ahead.close()
  })
})
