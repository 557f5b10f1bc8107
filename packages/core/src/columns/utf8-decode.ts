/**
 * UTF-8 decoding of many short values out of one buffer, the way string columns are read: an
 * all-ASCII buffer is decoded once and cut into substrings; anything else is decoded value by
 * value.
 */

// a value may begin with U+FEFF: it is part of the value, not a byte order mark to drop
const decoder = new TextDecoder('utf-8', { ignoreBOM: true })

/** True when every byte of `bytes[start, end)` is ASCII. */
export function isAscii(bytes: Uint8Array, start = 0, end = bytes.length): boolean {
  // 4 bytes at a time where the view is aligned for it
  let i = start
  const aligned = (bytes.byteOffset + i) % 4
  for (let k = 0; aligned !== 0 && k < 4 - aligned && i < end; k++, i++)
    if ((bytes[i] as number) & 0x80) return false
  if (end - i >= 16) {
    const words = new Uint32Array(bytes.buffer, bytes.byteOffset + i, (end - i) >>> 2)
    for (let w = 0; w < words.length; w++) if ((words[w] as number) & 0x80808080) return false
    i += words.length * 4
  }
  for (; i < end; i++) if ((bytes[i] as number) & 0x80) return false
  return true
}

/** Decodes `bytes[start, end)` as UTF-8 (invalid sequences become U+FFFD). */
export function decodeUtf8(bytes: Uint8Array, start: number, end: number): string {
  const n = end - start
  if (n <= 16) {
    // short values: a char-code loop beats a decoder call when they are ASCII
    let s = ''
    for (let i = start; i < end; i++) {
      const c = bytes[i] as number
      if (c & 0x80) return decoder.decode(bytes.subarray(start, end))
      s += String.fromCharCode(c)
    }
    return s
  }
  return decoder.decode(bytes.subarray(start, end))
}

/**
 * Every value `i` of a string column with `offsets` into `bytes`, as JS strings (`null` where
 * `isValid` says so).
 */
export function decodeAll(
  bytes: Uint8Array,
  offsets: Int32Array,
  length: number,
  isValid: ((i: number) => boolean) | undefined,
): (string | null)[] {
  const out: (string | null)[] = new Array(length)
  if (length === 0) return out
  const first = offsets[0] as number
  const last = offsets[length] as number
  if (isAscii(bytes, first, last)) {
    // one decode for the whole column; each value is then a substring of it
    const all = decoder.decode(bytes.subarray(first, last))
    for (let i = 0; i < length; i++) {
      out[i] =
        isValid && !isValid(i)
          ? null
          : all.slice((offsets[i] as number) - first, (offsets[i + 1] as number) - first)
    }
    return out
  }
  for (let i = 0; i < length; i++) {
    out[i] = isValid && !isValid(i) ? null : decodeUtf8(bytes, offsets[i] as number, offsets[i + 1] as number)
  }
  return out
}
