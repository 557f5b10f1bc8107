import type { RangeReader } from './range-reader.js'

/** Options of {@link readAheadReader}. */
export interface ReadAheadReaderOptions {
  /** Reads started ahead of the one asked for (0 = none). */
  depth: number
  /** Bytes the reads started ahead may hold at once (at least one is always started). */
  maxBytes?: number
}

interface Ahead {
  start: number
  end: number
  bytes: Promise<Uint8Array>
}

/**
 * A {@link RangeReader} for a consumer that reads a file front to back in steps of one size (a
 * text parser reading chunks): once a read of `[a, b)` continues the one before it, the next
 * `depth` ranges of the same length (`[b, 2b - a)`, ...) are requested at once, so that many
 * requests are in flight while the consumer works, which hides the latency of a remote file. A
 * read of a range started ahead takes its answer; any other read drops what was read ahead and goes
 * to `reader`. Closing it drops what was read ahead and closes `reader`.
 *
 * @example
 * ```ts
 * const reader = readAheadReader(await HttpRangeReader.open(url), { depth: 3, maxBytes: 64 << 20 })
 * for (let at = 0; at < reader.byteLength; at += 1 << 20) parse(await reader.read(at, at + (1 << 20)))
 * ```
 */
export function readAheadReader(reader: RangeReader, options: ReadAheadReaderOptions): RangeReader {
  let ahead: Ahead[] = []
  /** Where the last read ended: a read starting there continues a front-to-back scan. */
  let lastEnd = -1
  const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY
  const drop = () => {
    ahead = []
  }
  const start = (from: number, size: number, signal: AbortSignal | undefined) => {
    let next = ahead.at(-1)?.end ?? from
    let held = 0
    for (const a of ahead) held += a.end - a.start
    while (ahead.length < options.depth && next < reader.byteLength) {
      const end = Math.min(reader.byteLength, next + size)
      if (ahead.length > 0 && held + (end - next) > maxBytes) break
      const bytes = reader.read(next, end, signal)
      // awaited when it is asked for; dropped reads must not count as unhandled rejections
      bytes.catch(() => undefined)
      ahead.push({ start: next, end, bytes })
      held += end - next
      next = end
    }
  }
  return {
    name: reader.name,
    byteLength: reader.byteLength,
    version: reader.version,
    read(from, to, signal) {
      const end = Math.min(to, reader.byteLength)
      const first = ahead[0]
      const sequential = from === lastEnd
      lastEnd = end
      let bytes: Promise<Uint8Array>
      if (first && first.start === from && first.end === end) {
        ahead.shift()
        bytes = first.bytes
      } else {
        drop()
        bytes = reader.read(from, end, signal)
      }
      // a read that continues the previous one shows a scan (a probe of the first bytes does not)
      if (sequential && end > from) start(end, end - from, signal)
      return bytes
    },
    close() {
      drop()
      return reader.close()
    },
  }
}
