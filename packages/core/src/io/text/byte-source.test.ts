import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { gzipSync } from 'node:zlib'
import { afterAll, describe, expect, it } from 'vitest'
import { AbortError, FormatError, NotFoundError, ValidationError } from '../../errors.js'
import { FileRangeReader } from '../file-range.js'
import { type ByteSource, openTextSource, readRange } from './byte-source.js'

const dir = mkdtempSync(join(tmpdir(), 'sd-text-source-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const openFds = () => readdirSync('/proc/self/fd').length

const text = Buffer.from(Array.from({ length: 5000 }, (_, i) => `line ${i} é\n`).join(''))
const plainPath = join(dir, 'plain.txt')
const gzipPath = join(dir, 'data.txt.gz')
writeFileSync(plainPath, text)
writeFileSync(gzipPath, gzipSync(text))

async function readAll(
  source: ByteSource,
  chunkBytes = 1000,
): Promise<{ bytes: Buffer; gzip: boolean; counted: number }> {
  let counted = 0
  const opened = await openTextSource(source, { chunkBytes, onBytes: (n) => (counted += n) })
  try {
    const parts: Uint8Array[] = []
    for await (const chunk of opened.chunks) parts.push(chunk)
    return { bytes: Buffer.concat(parts), gzip: opened.gzip, counted }
  } finally {
    await opened.close()
  }
}

function pieces(bytes: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = []
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.slice(i, i + size))
  return out
}

describe('openTextSource', () => {
  it('reads a path, plain or gzip (recognised by its magic bytes), counting source bytes', async () => {
    const plain = await readAll(plainPath)
    expect(plain.bytes.equals(text)).toBe(true)
    expect(plain).toMatchObject({ gzip: false, counted: text.length })
    const gz = await readAll(gzipPath)
    expect(gz.bytes.equals(text)).toBe(true)
    expect(gz.gzip).toBe(true)
    expect(gz.counted).toBe(gzipSync(text).length)
  })

  it('reads a RangeReader without closing it, and offers random access when plain', async () => {
    const reader = await FileRangeReader.open(plainPath)
    const opened = await openTextSource(reader, { chunkBytes: 777 })
    expect(opened.reader).toBe(reader)
    expect(opened.name).toBe(plainPath)
    expect(opened.location).toEqual({ file: plainPath })
    await opened.close()
    expect(reader.closed).toBe(false)
    expect((await readAll(reader)).bytes.equals(text)).toBe(true)
    await reader.close()
  })

  it('reads byte streams: a Node Readable, an async generator, a web ReadableStream, gzip too', async () => {
    expect((await readAll(Readable.from(pieces(text, 333)))).bytes.equals(text)).toBe(true)
    async function* gen() {
      // one-byte chunks first: the gzip magic must be found across chunks
      const gz = gzipSync(text)
      yield gz.subarray(0, 1)
      yield gz.subarray(1, 2)
      yield* pieces(gz.subarray(2), 100)
    }
    const gz = await readAll(gen())
    expect(gz.gzip).toBe(true)
    expect(gz.bytes.equals(text)).toBe(true)
    const web = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const p of pieces(text, 4096)) controller.enqueue(p)
        controller.close()
      },
    })
    expect((await readAll(web)).bytes.equals(text)).toBe(true)
  })

  it('a corrupt or truncated gzip stream is GZIP_CORRUPT, and the file is closed', async () => {
    const fds = openFds()
    const bad = join(dir, 'bad.gz')
    writeFileSync(bad, Buffer.from([0x1f, 0x8b, 0x08, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9]))
    const truncated = join(dir, 'truncated.gz')
    writeFileSync(truncated, gzipSync(text).subarray(0, 500))
    for (const path of [bad, truncated]) {
      const error = await readAll(path).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(FormatError)
      expect(error).toMatchObject({ code: 'GZIP_CORRUPT', location: { file: path } })
    }
    expect(openFds()).toBe(fds)
  })

  it('a missing file is a NotFoundError; a non-source is refused', async () => {
    await expect(openTextSource(join(dir, 'nope.txt'))).rejects.toBeInstanceOf(NotFoundError)
    await expect(openTextSource(42 as never)).rejects.toBeInstanceOf(ValidationError)
  })

  it('closing early releases the file; an abort stops between chunks', async () => {
    const fds = openFds()
    const opened = await openTextSource(plainPath, { chunkBytes: 100 })
    for await (const _ of opened.chunks) break
    await opened.close()
    expect(openFds()).toBe(fds)
    const controller = new AbortController()
    const aborting = await openTextSource(plainPath, { chunkBytes: 100, signal: controller.signal })
    const error = await (async () => {
      for await (const _ of aborting.chunks) controller.abort()
    })().catch((e: unknown) => e)
    await aborting.close()
    expect(error).toBeInstanceOf(AbortError)
    expect(openFds()).toBe(fds)
  })
})

describe('readRange', () => {
  it('reads [start, end) in chunks', async () => {
    const reader = await FileRangeReader.open(plainPath)
    const parts: Uint8Array[] = []
    for await (const chunk of readRange(reader, 100, 2100, { chunkBytes: 300 })) parts.push(chunk)
    await reader.close()
    expect(parts.map((p) => p.length)).toEqual([300, 300, 300, 300, 300, 300, 200])
    expect(Buffer.concat(parts).equals(text.subarray(100, 2100))).toBe(true)
  })
})
