import { closeSync, ftruncateSync, openSync, statSync, writeSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMemoryMappedVectors, loadMemoryMappedVectors } from './load.js'
import { WINDOW_BYTES, WINDOW_OVERLAP } from './mmap-rows.js'
import { formatNpyHeader } from './npy-header.js'
import { backends, hasNumpy, python, skipBackend, tempDir } from './test-support/fixtures.js'

const DIM = 128
const ROW = DIM * 4
const SIZE = 6 * 2 ** 30
const STRIDE = WINDOW_BYTES - WINDOW_OVERLAP

/** The marker written at row `r`: `[r, 0.5, 1.5, 2.5, ...]` (exact in float32 below 2^24). */
function marker(r: number): Float32Array {
  const v = new Float32Array(DIM)
  for (let j = 0; j < DIM; j++) v[j] = j === 0 ? r : j - 0.5
  return v
}

describe('a 6 GiB sparse .npy file', () => {
  const tmp = tempDir()
  const path = tmp.path('large.npy')
  let header: Uint8Array
  let rows = 0
  const markers: number[] = []

  beforeAll(() => {
    header = formatNpyHeader(0, DIM) as Uint8Array
    rows = Math.floor((SIZE - header.length) / ROW)
    const rowAt = (byte: number) => Math.floor((byte - header.length) / ROW)
    // around 4 GiB, at every window boundary (a 128-byte header makes rows straddle them), at the end
    markers.push(0, rowAt(2 ** 32) - 1, rowAt(2 ** 32), rowAt(2 ** 32) + 1, rows - 1)
    for (let w = 1; w * STRIDE < SIZE; w++)
      markers.push(rowAt(w * STRIDE), rowAt(w * STRIDE + WINDOW_OVERLAP))
    const fd = openSync(path, 'w+')
    try {
      // sparse: the length is set, and only the header and the markers are written
      ftruncateSync(fd, header.length + rows * ROW)
      writeSync(fd, formatNpyHeader(rows, DIM, header.length) as Uint8Array, 0, header.length, 0)
      for (const r of markers) writeSync(fd, marker(r), 0, ROW, header.length + r * ROW)
    } finally {
      closeSync(fd)
    }
  })
  afterAll(() => tmp.remove())

  it('is sparse and larger than 4 GiB', () => {
    expect(statSync(path).size).toBeGreaterThan(2 ** 32 + 2 ** 30)
    expect(statSync(path).blocks * 512).toBeLessThan(64 * 2 ** 20)
  })

  describe.each(backends)('$backend backend', ({ backend }) => {
    it.skipIf(skipBackend(backend))('reads the markers past 4 GiB and across window boundaries', async () => {
      const v = loadMemoryMappedVectors(path, { backend })
      expect(v.length).toBe(rows)
      const out = new Float32Array(DIM)
      for (const r of markers) {
        const row = v.get(r)
        expect(row, `row ${r}`).toEqual(marker(r))
        // with mmap, rows straddling a window boundary are still views of one window of at most 1 GiB
        if (backend === 'mmap') expect(row.buffer.byteLength).toBeGreaterThan(WINDOW_OVERLAP)
        expect(row.buffer.byteLength).toBeLessThanOrEqual(WINDOW_BYTES)
        expect(v.readInto(r, out), `row ${r}`).toEqual(marker(r))
        const from = Math.max(0, r - 1)
        const around = v.slice(from, r + 2)
        if (r > 0 && !markers.includes(r - 1)) expect(around.subarray(0, DIM)).toEqual(new Float32Array(DIM))
        expect(around.subarray((r - from) * DIM, (r - from + 1) * DIM)).toEqual(marker(r))
      }
      const last = v.get(-1)
      expect(last[0]).toBe(rows - 1)
      // a slice longer than the window overlap, across a window boundary, is a copy with both ends right
      const boundary = Math.floor((STRIDE - header.length) / ROW)
      const first = boundary - 2
      const long = v.slice(first, first + WINDOW_OVERLAP / ROW + 8)
      expect(long.length).toBe((WINDOW_OVERLAP / ROW + 8) * DIM)
      expect(long.subarray((boundary - first) * DIM, (boundary - first + 1) * DIM)).toEqual(marker(boundary))
      // readRows across the boundary: a few rows (copied out of the mapping) and many (read)
      for (const count of [4, WINDOW_OVERLAP / ROW + 8]) {
        const tile = new Float32Array(count * DIM)
        expect(v.readRows(boundary - 2, boundary - 2 + count, tile)).toBe(count)
        expect(tile.subarray(2 * DIM, 3 * DIM), `readRows of ${count}`).toEqual(marker(boundary))
      }
      const tail = new Float32Array(16 * DIM)
      expect(v.readRows(rows - 1, rows + 15, tail)).toBe(1)
      expect(tail.subarray(0, DIM)).toEqual(marker(rows - 1))
      // batches near the end
      const found: number[] = []
      for await (const batch of v.iterBatches(4, { start: rows - 9 })) {
        for (let k = 0; k < batch.length; k += DIM) if (batch[k + 1] === 0.5) found.push(batch[k] as number)
      }
      expect(found).toEqual([rows - 1])
      v.close()
    })
  })

  it.skipIf(skipBackend('mmap'))(
    'releases the pages of batches read from a window past the next window start',
    () => {
      const v = loadMemoryMappedVectors(path, { backend: 'mmap' })
      // batches of 64 KiB from 40 rows before the second window starts: the first one is a view
      // of the first window that reaches into the overlap (its pages are resident there alone)
      const size = 128
      const boundary = Math.floor((STRIDE - header.length) / ROW)
      const start = boundary - 40
      const kept: Float32Array[] = []
      let batches = 0
      for (const batch of v.iterBatches(size, { start, end: start + 6 * size })) {
        if (batches++ === 0) {
          expect(batch.buffer.byteLength).toBe(WINDOW_BYTES)
          // a write lands in a private copy of the page, which releasing the page drops
          const past = (boundary + 60 - start) * DIM
          batch[past] = 42
          kept.push(batch.subarray(past, past + DIM))
        }
      }
      expect(batches).toBe(6)
      // released a batch behind: the page past the boundary shows the file (zeros) again
      expect(kept[0]?.[0]).toBe(0)
      v.close()
    },
  )

  it.skipIf(!hasNumpy())('NumPy reads the same markers past 4 GiB', () => {
    const late = markers.filter((r) => r * ROW > 2 ** 32)
    const got = python(
      `a = np.load(sys.argv[1], mmap_mode='r')
print(json.dumps([a.shape[0]] + [a[int(r)].tolist() for r in sys.argv[2:]]))`,
      path,
      ...late.map(String),
    ) as [number, ...number[][]]
    expect(got[0]).toBe(rows)
    expect(got.slice(1)).toEqual(late.map((r) => [...marker(r)]))
  })
})

describe.each(backends)('appending across a window boundary, $backend backend', ({ backend }) => {
  it.skipIf(skipBackend(backend))(
    'shows rows appended after the file was mapped, on both sides of the boundary',
    () => {
      const tmp = tempDir()
      try {
        const path = tmp.path('grow.f32')
        const start = Math.floor(STRIDE / ROW) - 500
        createMemoryMappedVectors(path, { dimension: DIM, backend }).close()
        const fd = openSync(path, 'r+')
        ftruncateSync(fd, start * ROW)
        closeSync(fd)
        const v = loadMemoryMappedVectors(path, { dimension: DIM, mode: 'r+', backend })
        expect(v.get(-1)).toEqual(new Float32Array(DIM))
        for (let r = start; r < start + 1000; r += 100) {
          const block = new Float32Array(100 * DIM)
          for (let k = 0; k < 100; k++) block.set(marker(r + k), k * DIM)
          v.append(block)
          expect(v.get(r + 99)).toEqual(marker(r + 99))
        }
        expect(v.length).toBe(start + 1000)
        for (const r of [start, start + 499, start + 500, start + 999])
          expect(v.get(r), `row ${r}`).toEqual(marker(r))
        const across = v.slice(start + 490, start + 510)
        for (let k = 0; k < 20; k++)
          expect(across.subarray(k * DIM, (k + 1) * DIM)).toEqual(marker(start + 490 + k))
        v.close()
        expect(statSync(path).size).toBe((start + 1000) * ROW)
      } finally {
        tmp.remove()
      }
    },
  )
})
