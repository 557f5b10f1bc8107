import type { RangeReader, RangeReaderStats } from '@sd/core'

/**
 * A `RangeReader` over pieces of another reader laid end to end: the CSV header and the line
 * ranges of the batches asked for read as one smaller file. Closing it leaves the reader open.
 */
export class SpliceReader implements RangeReader {
  readonly name: string
  readonly byteLength: number
  readonly version: string
  readonly stats: RangeReaderStats = { requests: 0, bytesRead: 0, cacheHits: 0, retries: 0 }
  readonly #reader: RangeReader
  readonly #pieces: { start: number; end: number; at: number }[]

  constructor(reader: RangeReader, pieces: readonly { start: number; end: number }[]) {
    this.#reader = reader
    let at = 0
    this.#pieces = pieces.map((p) => {
      const piece = { start: p.start, end: p.end, at }
      at += p.end - p.start
      return piece
    })
    this.byteLength = at
    this.name = reader.name
    this.version = `${reader.version}#${pieces.map((p) => `${p.start}-${p.end}`).join(',')}`
  }

  async read(start: number, end: number, signal?: AbortSignal): Promise<Uint8Array> {
    const to = Math.min(end, this.byteLength)
    const out = new Uint8Array(Math.max(0, to - start))
    const reads: Promise<void>[] = []
    for (const piece of this.#pieces) {
      const lo = Math.max(start, piece.at)
      const hi = Math.min(to, piece.at + piece.end - piece.start)
      if (lo >= hi) continue
      const from = piece.start + lo - piece.at
      reads.push(
        this.#reader.read(from, from + hi - lo, signal).then((bytes) => {
          out.set(bytes, lo - start)
        }),
      )
    }
    await Promise.all(reads)
    this.stats.requests++
    this.stats.bytesRead += out.length
    return out
  }

  async close(): Promise<void> {}
}
