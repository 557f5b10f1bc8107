import { isUtf8 } from 'node:buffer'

/** Bytes a UTF-8 sequence starting with `lead` needs, or 0 when `lead` cannot start one. */
function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1
  if (lead < 0xc2) return 0
  if (lead < 0xe0) return 2
  if (lead < 0xf0) return 3
  if (lead < 0xf5) return 4
  return 0
}

/** The allowed range of the second byte after `lead` (Unicode table 3-7), packed as `low << 8 | high`. */
function secondByteRange(lead: number): number {
  if (lead === 0xe0) return (0xa0 << 8) | 0xbf
  if (lead === 0xed) return (0x80 << 8) | 0x9f
  if (lead === 0xf0) return (0x90 << 8) | 0xbf
  if (lead === 0xf4) return (0x80 << 8) | 0x8f
  return (0x80 << 8) | 0xbf
}

/**
 * How many bytes from `bytes[i]` (before `end`) form the start of a valid sequence: the whole
 * sequence when it is valid and complete, fewer when it breaks off or is cut by `end`, and 1 for a
 * byte that cannot start one. An invalid sequence is reported once over this many bytes (Unicode's
 * "maximal subpart" rule, as TextDecoder applies it).
 */
function validPrefix(bytes: Uint8Array, i: number, end: number): number {
  const lead = bytes[i] as number
  const n = sequenceLength(lead)
  if (n <= 1 || i + 1 >= end) return 1
  const range = secondByteRange(lead)
  const second = bytes[i + 1] as number
  if (second < range >> 8 || second > (range & 0xff)) return 1
  let k = 2
  while (k < n && i + k < end && ((bytes[i + k] as number) & 0xc0) === 0x80) k++
  return k
}

/**
 * Index of the first byte in `bytes[start, end)` where a well-formed UTF-8 sequence cannot start or
 * continue, or -1 when the range is valid. A sequence cut off by `end` counts as invalid at its
 * first byte (overlong forms, surrogates and code points past U+10FFFF are invalid, as in
 * `TextDecoder`).
 */
export function firstInvalidUtf8(bytes: Uint8Array, start = 0, end = bytes.length): number {
  if (isUtf8(bytes.subarray(start, end))) return -1
  let i = start
  while (i < end) {
    const b = bytes[i] as number
    if (b < 0x80) {
      i++
      continue
    }
    const valid = validPrefix(bytes, i, end)
    if (valid === 1 || valid < sequenceLength(b)) return i
    i += valid
  }
  return -1
}

/**
 * How many bytes at the end of `bytes[0, end)` start a multi-byte sequence that the range cuts
 * off (0 to 3) and that the next bytes could still complete. Those bytes belong with the next chunk.
 */
export function incompleteUtf8Tail(bytes: Uint8Array, end = bytes.length, start = 0): number {
  const last = end - 1
  for (let i = last; i >= start && i >= last - 2; i--) {
    const b = bytes[i] as number
    if ((b & 0xc0) === 0x80) continue
    const n = sequenceLength(b)
    return n > 1 && i + n > end && validPrefix(bytes, i, end) === end - i ? end - i : 0
  }
  return 0
}

/** Receives the absolute offset and value of the first byte of each invalid sequence. */
export type InvalidByteSink = (offset: number, value: number) => void

/**
 * Checks a byte stream for invalid UTF-8, chunk by chunk, and reports the absolute offset of each
 * invalid sequence. A sequence split across two chunks is completed from the next one. The fast
 * path is Node's `isUtf8` (simdutf); the byte-by-byte scan runs only on a chunk that fails it.
 *
 * @example
 * ```ts
 * const checker = new Utf8Checker()
 * for (const chunk of chunks) checker.check(chunk, (offset, byte) => console.log(offset, byte))
 * checker.end((offset) => console.log('cut off at', offset))
 * ```
 */
export class Utf8Checker {
  /** Bytes of a sequence started at the end of the previous chunk. */
  #carry: Uint8Array | undefined
  /** Absolute offset of `#carry[0]`, or of the next chunk when there is no carry. */
  #offset: number

  /** `offset`: the absolute offset of the first byte the checker will see. */
  constructor(offset = 0) {
    this.#offset = offset
  }

  /** Checks the next chunk and reports each invalid sequence's absolute offset and first byte. */
  check(chunk: Uint8Array, bad: InvalidByteSink): void {
    let start = 0
    const carry = this.#carry
    if (carry) {
      const length = sequenceLength(carry[0] as number)
      const joined = new Uint8Array(Math.min(length, carry.length + chunk.length))
      joined.set(carry)
      joined.set(chunk.subarray(0, joined.length - carry.length), carry.length)
      const valid = validPrefix(joined, 0, joined.length)
      if (valid === joined.length && valid < length) {
        // a chunk shorter than the rest of the sequence: keep waiting
        this.#carry = joined
        return
      }
      if (valid < length) bad(this.#offset, carry[0] as number)
      // skip the chunk's bytes that belong to this sequence (valid, or its maximal subpart)
      start = Math.max(0, valid - carry.length)
      this.#offset += carry.length
      this.#carry = undefined
    }
    const end = chunk.length - incompleteUtf8Tail(chunk, chunk.length, start)
    if (!isUtf8(chunk.subarray(start, end))) this.#scan(chunk, start, end, bad)
    if (end < chunk.length) this.#carry = chunk.slice(end)
    this.#offset += end
  }

  /** Reports a sequence left incomplete at the end of the stream. */
  end(bad: InvalidByteSink): void {
    if (this.#carry) {
      bad(this.#offset, this.#carry[0] as number)
      this.#offset += this.#carry.length
      this.#carry = undefined
    }
  }

  #scan(chunk: Uint8Array, start: number, end: number, bad: InvalidByteSink): void {
    let i = start
    while (i < end) {
      const b = chunk[i] as number
      if (b < 0x80) {
        i++
        continue
      }
      const valid = validPrefix(chunk, i, end)
      if (valid < sequenceLength(b) || valid === 1) bad(this.#offset + i, b)
      i += valid
    }
  }
}
