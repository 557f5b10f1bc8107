import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { StreamSha256, WORKER_MIN_BYTES } from './sha256-worker.js'
import { pseudoRandomBytes } from './test-support/importer.js'

describe('StreamSha256', () => {
  it.each([1000, WORKER_MIN_BYTES + 1])(
    'hashes %i bytes as createHash does, leaving the chunks intact',
    async (size) => {
      const data = pseudoRandomBytes(size, 77)
      const hash = new StreamSha256(size, 1 << 20)
      try {
        for (let at = 0; at < size; at += 1 << 20) {
          const chunk = Buffer.from(data.buffer, data.byteOffset + at, Math.min(1 << 20, size - at))
          await hash.update(chunk)
          expect(chunk.byteLength).toBe(Math.min(1 << 20, size - at)) // not detached by a transfer
        }
        expect(await hash.digest()).toBe(createHash('sha256').update(data).digest('hex'))
      } finally {
        await hash.close()
      }
    },
  )
})
