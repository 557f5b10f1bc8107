import type { ByteSource } from './byte-source.js'

/**
 * The bytes of one column chunk, `[start, end)` of the file, read in windows so a large row group
 * never sits in memory whole. While one window is decoded the next one is read. A chunk that
 * arrived with its row group's single read starts out complete.
 */
export class ChunkBytes {
  readonly start: number
  readonly end: number
  /** The bytes held: file offsets `[bufferStart, bufferStart + buffer.length)`. */
  buffer: Uint8Array
  bufferStart: number
  /** `buffer` as a DataView, as hyparquet's page readers want it. */
  view: DataView
  readonly #source: ByteSource
  readonly #window: number
  #next: { start: number; promise: Promise<Uint8Array> } | undefined

  constructor(source: ByteSource, start: number, end: number, window: number, first?: Promise<Uint8Array>) {
    this.#source = source
    this.start = start
    this.end = end
    this.#window = window
    this.buffer = new Uint8Array(0)
    this.bufferStart = start
    this.view = new DataView(this.buffer.buffer)
    const promise = first ?? this.#fetch(start, Math.min(end, start + window))
    promise.catch(() => undefined)
    this.#next = { start, promise }
  }

  /** File offset just past the bytes held. */
  get bufferEnd(): number {
    return this.bufferStart + this.buffer.length
  }

  /**
   * Makes `[pos, pos + length)` (clipped to the chunk) available in {@link ChunkBytes.buffer}.
   * Reads go forward only: bytes before `pos` are dropped.
   */
  async ensure(pos: number, length: number): Promise<void> {
    const want = Math.min(this.end, pos + length)
    if (pos >= this.bufferStart && want <= this.bufferEnd) return
    const parts: Uint8Array[] = []
    let have = pos
    if (pos >= this.bufferStart && pos < this.bufferEnd) {
      parts.push(this.buffer.subarray(pos - this.bufferStart))
      have = this.bufferEnd
    }
    while (have < want) {
      let bytes: Uint8Array
      const next = this.#next
      this.#next = undefined
      if (next && next.start === have) bytes = await next.promise
      else {
        // a page larger than a window, or a jump: read exactly what is missing, in windows
        void next?.promise.catch(() => undefined)
        bytes = await this.#fetch(have, Math.min(this.end, Math.max(want, have + this.#window)))
      }
      if (bytes.length === 0) break
      parts.push(bytes)
      have += bytes.length
    }
    this.buffer = parts.length === 1 ? (parts[0] as Uint8Array) : join(parts)
    this.bufferStart = pos
    this.view = new DataView(this.buffer.buffer, this.buffer.byteOffset, this.buffer.byteLength)
    const after = this.bufferEnd
    if (after < this.end && this.#next === undefined) {
      const promise = this.#fetch(after, Math.min(this.end, after + this.#window))
      // observed later by ensure(); a pass that stops early must not leave it unhandled
      promise.catch(() => undefined)
      this.#next = { start: after, promise }
    }
  }

  /** Forgets the read-ahead (its bytes are no longer wanted). */
  release(): void {
    void this.#next?.promise.catch(() => undefined)
    this.#next = undefined
    this.buffer = new Uint8Array(0)
    this.view = new DataView(this.buffer.buffer)
  }

  #fetch(start: number, end: number): Promise<Uint8Array> {
    return this.#source.read(start, end)
  }
}

function join(parts: Uint8Array[]): Uint8Array {
  let total = 0
  for (const p of parts) total += p.length
  const out = new Uint8Array(total)
  let offset = 0
  for (const p of parts) {
    out.set(p, offset)
    offset += p.length
  }
  return out
}
