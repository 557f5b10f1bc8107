import type { ByteSource } from './byte-source.js'

/** Leftover bytes up to this size are copied so the buffer they sit in can be freed. */
const SMALL = 64 * 1024

/**
 * The bytes of one column chunk, `[start, end)` of the file, read in windows so a large row group
 * never sits in memory whole. A local file is read where the next page starts (bytes still
 * buffered are read again from the page cache rather than joined); a remote one window after
 * another, the next window requested while one is decoded. A chunk that arrived with its row
 * group's single read starts out complete.
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
  readonly #local: boolean
  #next: { start: number; promise: Promise<Uint8Array> } | undefined
  /** The only byte ranges read (a read pruned by the page index), sorted; undefined: the whole chunk. */
  readonly #ranges: readonly { start: number; end: number }[] | undefined

  constructor(
    source: ByteSource,
    start: number,
    end: number,
    options: {
      window: number
      local: boolean
      first?: Promise<Uint8Array> | undefined
      ranges?: readonly { start: number; end: number }[] | undefined
    },
  ) {
    this.#source = source
    this.start = start
    this.end = end
    this.#window = options.window
    this.#local = options.local
    this.#ranges = options.ranges
    this.buffer = new Uint8Array(0)
    this.bufferStart = start
    this.view = new DataView(this.buffer.buffer)
    const from = options.ranges?.[0]?.start ?? start
    const promise = options.first ?? this.#fetch(from, this.#readEnd(from))
    promise.catch(() => undefined)
    this.#next = { start: from, promise }
  }

  /** End of the bytes readable from `pos` on: the chunk's end, or that of the range holding `pos`. */
  limit(pos: number): number {
    const ranges = this.#ranges
    if (!ranges) return this.end
    for (const r of ranges) if (pos >= r.start && pos < r.end) return r.end
    return pos
  }

  /** Where a read from `pos` ends: a window, or the whole range of a pruned read. */
  #readEnd(pos: number): number {
    return this.#ranges ? this.limit(pos) : Math.min(this.end, pos + this.#window)
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
    const limit = this.limit(pos)
    const want = Math.min(limit, pos + length)
    if (pos >= this.bufferStart && want <= this.bufferEnd) return
    const next = this.#next
    this.#next = undefined
    if (next && next.start === pos) {
      this.#hold(pos, await next.promise)
      if (want <= this.bufferEnd || this.bufferEnd >= limit) return
    } else void next?.promise.catch(() => undefined)
    if (this.#ranges) {
      // a pruned read: the whole range (pages that are read) at once, the next one asked for now
      this.#hold(pos, await this.#fetch(pos, limit))
      const after = this.#ranges.find((r) => r.start >= limit)
      if (!this.#local && after) {
        const promise = this.#fetch(after.start, after.end)
        promise.catch(() => undefined)
        this.#next = { start: after.start, promise }
      }
      return
    }
    if (this.#local || !(pos >= this.bufferStart && pos < this.bufferEnd)) {
      // a window past what is wanted: the next page header comes with this read
      this.#hold(pos, await this.#fetch(pos, Math.min(this.end, want + this.#window)))
    } else {
      // remote: keep what is buffered and append, rather than asking for the same bytes again
      const parts: Uint8Array[] = [this.buffer.subarray(pos - this.bufferStart)]
      let have = this.bufferEnd
      while (have < want) {
        const bytes = await this.#fetch(have, Math.min(this.end, Math.max(want, have + this.#window)))
        if (bytes.length === 0) break
        parts.push(bytes)
        have += bytes.length
      }
      this.#hold(pos, join(parts))
    }
    const after = this.bufferEnd
    if (!this.#local && after < this.end) {
      const promise = this.#fetch(after, Math.min(this.end, after + this.#window))
      // observed later by ensure(); a pass that stops early must not leave it unhandled
      promise.catch(() => undefined)
      this.#next = { start: after, promise }
    }
  }

  /**
   * Forgets the bytes before `pos` (a page was consumed): a small rest is copied, so a large
   * buffer does not stay alive for the few bytes of the next page header it holds.
   */
  discardBefore(pos: number): void {
    if (pos <= this.bufferStart) return
    const rest = this.bufferEnd - pos
    if (rest <= 0) this.#hold(pos, new Uint8Array(0))
    else if (rest <= SMALL) this.#hold(pos, this.buffer.slice(pos - this.bufferStart))
  }

  /** Forgets everything, read-ahead included. */
  release(): void {
    void this.#next?.promise.catch(() => undefined)
    this.#next = undefined
    this.#hold(this.bufferStart, new Uint8Array(0))
  }

  #hold(start: number, bytes: Uint8Array): void {
    this.buffer = bytes
    this.bufferStart = start
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }

  #fetch(start: number, end: number): Promise<Uint8Array> {
    return this.#source.read(start, end)
  }
}

function join(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0] as Uint8Array
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
