/**
 * Index of the first byte in `bytes[start, end)` where a well-formed UTF-8 sequence cannot start or
 * continue, or -1 when the range is valid. A sequence cut off by `end` counts as invalid at its
 * first byte. Only error paths call it: the fast path validates whole chunks natively.
 */
export function firstInvalidUtf8(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let i = start
  while (i < end) {
    const b = bytes[i] as number
    if (b < 0x80) {
      i++
      continue
    }
    let need: number
    let min: number
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1
      min = 0x80
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2
      min = 0x800
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3
      min = 0x10000
    } else return i
    if (i + need >= end) return i
    let cp = b & (0x3f >> need)
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k] as number
      if ((c & 0xc0) !== 0x80) return i
      cp = (cp << 6) | (c & 0x3f)
    }
    // overlong forms, UTF-16 surrogates and code points past U+10FFFF are not UTF-8
    if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return i
    i += need + 1
  }
  return -1
}

/**
 * How many bytes at the end of `bytes[0, end)` start a multi-byte sequence that the range cuts
 * off (0 to 3). Those bytes belong with the next chunk.
 */
export function incompleteUtf8Tail(bytes: Uint8Array, end = bytes.length): number {
  // walk back over at most 3 continuation bytes to the lead byte
  for (let back = 1; back <= 4 && back <= end; back++) {
    const b = bytes[end - back] as number
    if ((b & 0xc0) === 0x80) continue
    const length = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1
    return length > back ? back : 0
  }
  return 0
}
