import type { RangeReader } from '@sd/core'
import type { AsyncBuffer } from 'hyparquet'

interface Region {
  start: number
  end: number
  data: Promise<Uint8Array>
}

/**
 * A hyparquet `AsyncBuffer` over a {@link RangeReader} that serves slices from byte ranges
 * requested ahead of time ({@link RegionBuffer.fetch}): the loader requests a row group's ranges
 * early, and hyparquet's later `slice` calls for them wait on those requests instead of making new
 * ones. Anything else becomes one range read.
 */
export class RegionBuffer {
  readonly byteLength: number
  readonly #reader: RangeReader
  readonly #signal: AbortSignal | undefined
  #regions: Region[] = []

  constructor(reader: RangeReader, signal: AbortSignal | undefined) {
    this.#reader = reader
    this.#signal = signal
    this.byteLength = reader.byteLength
  }

  /** The `AsyncBuffer` view hyparquet reads. */
  get asyncBuffer(): AsyncBuffer {
    return { byteLength: this.byteLength, slice: (start, end) => this.slice(start, end ?? this.byteLength) }
  }

  /**
   * Requests bytes `[start, end)` now and keeps them until {@link RegionBuffer.drop}. A range
   * inside one already kept costs no request.
   */
  fetch(start: number, end: number): Promise<Uint8Array> {
    const covering = this.#find(start, end)
    if (covering) return covering.data.then((d) => d.subarray(start - covering.start, end - covering.start))
    // a row group that runs into the footer read: only the bytes before it are requested
    const tail = this.#regions.find((r) => r.start > start && r.start < end && r.end >= end)
    const data = tail ? this.#join(start, end, tail) : this.#reader.read(start, end, this.#signal)
    // a failed read surfaces when it is awaited; until then it must not count as unhandled
    data.catch(() => undefined)
    this.#regions.push({ start, end, data })
    return data
  }

  /** Forgets the kept range `[start, end)` (after its row group was decoded). */
  drop(start: number, end: number): void {
    this.#regions = this.#regions.filter((r) => r.start !== start || r.end !== end)
  }

  /** Forgets every kept range. */
  clear(): void {
    this.#regions = []
  }

  async slice(start: number, end: number): Promise<ArrayBuffer> {
    const region = this.#find(start, end)
    const data = region ? await region.data : await this.#reader.read(start, end, this.#signal)
    const from = region ? start - region.start : 0
    const to = from + (end - start)
    if (from === 0 && to === data.byteLength && data.byteOffset === 0 && data.buffer.byteLength === to)
      return data.buffer as ArrayBuffer
    return data.slice(from, to).buffer as ArrayBuffer
  }

  async #join(start: number, end: number, tail: Region): Promise<Uint8Array> {
    const [head, rest] = await Promise.all([this.#reader.read(start, tail.start, this.#signal), tail.data])
    const out = new Uint8Array(end - start)
    out.set(head, 0)
    out.set(rest.subarray(0, end - tail.start), head.byteLength)
    return out
  }

  #find(start: number, end: number): Region | undefined {
    for (const r of this.#regions) if (r.start <= start && end <= r.end) return r
    return undefined
  }
}
