/** Unsigned LEB128 varints as CAR sections and multiformats use them (at most 2^53 - 1 here). */

/** Bytes `value` takes as a varint. */
export function varintLength(value: number): number {
  let n = 1
  for (let v = value; v >= 0x80; v = Math.floor(v / 128)) n++
  return n
}

/** Writes `value` as a varint into `out` at `offset`; returns the offset after it. */
export function writeVarint(value: number, out: Uint8Array, offset: number): number {
  let v = value
  let at = offset
  while (v >= 0x80) {
    out[at++] = (v % 128) | 0x80
    v = Math.floor(v / 128)
  }
  out[at++] = v
  return at
}

/** `value` as varint bytes. */
export function encodeVarint(value: number): Uint8Array {
  const out = new Uint8Array(varintLength(value))
  writeVarint(value, out, 0)
  return out
}

/** A varint read from bytes: its value and how many bytes it took. */
export interface Varint {
  value: number
  length: number
}

/** The longest varint accepted: 8 bytes hold 56 bits, more than any CAR section needs. */
export const MAX_VARINT_BYTES = 8

/**
 * Reads a varint at `offset`. Returns `undefined` when the bytes end before it does (the caller
 * reads more), and `'invalid'` when it runs past {@link MAX_VARINT_BYTES} bytes or is not minimal
 * (a trailing zero byte), as the multiformats spec requires.
 */
export function readVarint(bytes: Uint8Array, offset: number): Varint | 'invalid' | undefined {
  let value = 0
  let scale = 1
  for (let i = 0; i < MAX_VARINT_BYTES; i++) {
    const at = offset + i
    if (at >= bytes.length) return undefined
    const byte = bytes[at] as number
    value += (byte & 0x7f) * scale
    if (byte < 0x80) {
      if (byte === 0 && i > 0) return 'invalid'
      return { value, length: i + 1 }
    }
    scale *= 128
  }
  return 'invalid'
}
