import { StateError, ValidationError } from '../errors.js'
import type { RangeReader } from './range-reader.js'

/** Bytes `[start, end)` of a reader. */
export interface ByteRange {
  reader: RangeReader
  start: number
  end: number
}

/**
 * A {@link RangeReader} over byte ranges of other readers, end to end (a text file's header line
 * followed by one of its shard units, say): reads map onto the parts, and `onBytes` hears how many
 * source bytes each read brought. Closing it leaves the parts' readers open.
 */
export function rangeView(
  name: string,
  parts: readonly ByteRange[],
  onBytes?: (bytes: number) => void,
): RangeReader {
  const starts: number[] = []
  let length = 0
  for (const part of parts) {
    if (!(part.start >= 0 && part.end >= part.start && part.end <= part.reader.byteLength))
      throw new ValidationError(`Invalid byte range [${part.start}, ${part.end}) of ${part.reader.name}`, {
        code: 'INVALID_RANGE',
      })
    starts.push(length)
    length += part.end - part.start
  }
  const version = parts.map((p) => `${p.reader.version}@${p.start}-${p.end}`).join('+')
  let closed = false
  return {
    name,
    byteLength: length,
    version,
    async read(start, end, signal) {
      if (closed) throw new StateError('Read after close', { code: 'CLOSED' })
      const to = Math.min(end, length)
      if (!(start >= 0) || start > to)
        throw new ValidationError(`Invalid byte range [${start}, ${end}) of a ${length}-byte view`, {
          code: 'INVALID_RANGE',
        })
      const out = new Uint8Array(to - start)
      for (let i = 0; i < parts.length; i++) {
        const part = parts[i] as ByteRange
        const base = starts[i] as number
        const a = Math.max(start, base)
        const b = Math.min(to, base + part.end - part.start)
        if (a >= b) continue
        const bytes = await part.reader.read(part.start + a - base, part.start + b - base, signal)
        onBytes?.(bytes.length)
        out.set(bytes, a - start)
      }
      return out
    },
    async close() {
      closed = true
    },
  }
}
