/**
 * Snappy block decompression (the format Parquet's SNAPPY codec uses: a varint length, then
 * literals and back-references) in plain JS, written straight into a buffer the caller gives, so
 * a page is decompressed with no copy in or out of another memory. Long literals and
 * non-overlapping copies are bulk moves (`set`, `copyWithin`); short ones are byte loops.
 */

/** Literals and copies shorter than this are moved byte by byte (a bulk move's call costs more). */
const SHORT = 24

/**
 * The uncompressed length a snappy block starts with (a varint of at most 5 bytes), and where its
 * data begins.
 */
export function snappyHeader(input: Uint8Array): { length: number; start: number } {
  let value = 0
  for (let i = 0, shift = 0; i < 5; i++, shift += 7) {
    if (i >= input.length) break
    const b = input[i] as number
    value += (b & 0x7f) * 2 ** shift
    if (b < 0x80) return { length: value, start: i + 1 }
  }
  throw new Error('snappy data has no valid length header')
}

/**
 * Decompresses the snappy block `input` into `out[0, size)`: `size` must be the length its header
 * declares and `out` at least that long. Throws on anything corrupt (a literal or copy running
 * past its input or output, a copy from before the output's start, output that does not come
 * out at exactly `size` bytes).
 */
export function snappyDecompress(input: Uint8Array, out: Uint8Array, size: number): void {
  const header = snappyHeader(input)
  if (header.length !== size) {
    throw new Error(`snappy data holds ${header.length} bytes where the page header says ${size}`)
  }
  if (out.length < size) throw new Error(`snappy output of ${out.length} bytes cannot hold ${size}`)
  const end = input.length
  let ip = header.start
  let op = 0
  while (ip < end) {
    const tag = input[ip++] as number
    const type = tag & 3
    if (type === 0) {
      // literal: length - 1 in the tag's upper 6 bits, or in 1-4 bytes after it
      let len = tag >>> 2
      if (len >= 60) {
        const bytes = len - 59
        if (ip + bytes > end) throw new Error('snappy literal length runs past the input')
        len = 0
        for (let b = 0; b < bytes; b++) len += (input[ip + b] as number) * 2 ** (8 * b)
        ip += bytes
      }
      len += 1
      if (ip + len > end) throw new Error('snappy literal runs past the input')
      if (op + len > size) throw new Error('snappy literal runs past the declared length')
      if (len < SHORT) {
        for (let b = 0; b < len; b++) out[op + b] = input[ip + b] as number
      } else out.set(input.subarray(ip, ip + len), op)
      ip += len
      op += len
      continue
    }
    let len: number
    let offset: number
    if (type === 1) {
      // copy with a 1-byte offset: length 4-11, offset 11 bits
      if (ip >= end) throw new Error('snappy copy runs past the input')
      len = ((tag >>> 2) & 7) + 4
      offset = ((tag >>> 5) << 8) | (input[ip++] as number)
    } else if (type === 2) {
      if (ip + 2 > end) throw new Error('snappy copy runs past the input')
      len = (tag >>> 2) + 1
      offset = (input[ip] as number) | ((input[ip + 1] as number) << 8)
      ip += 2
    } else {
      if (ip + 4 > end) throw new Error('snappy copy runs past the input')
      len = (tag >>> 2) + 1
      offset = u32(input, ip)
      ip += 4
    }
    // a long match is written as copies of at most 64 bytes from the same offset: one move
    while (ip < end) {
      const next = input[ip] as number
      const t = next & 3
      if (
        t === 2 &&
        ip + 3 <= end &&
        ((input[ip + 1] as number) | ((input[ip + 2] as number) << 8)) === offset
      ) {
        len += (next >>> 2) + 1
        ip += 3
      } else if (t === 3 && ip + 5 <= end && u32(input, ip + 1) === offset) {
        len += (next >>> 2) + 1
        ip += 5
      } else if (t === 1 && ip + 2 <= end && (((next >>> 5) << 8) | (input[ip + 1] as number)) === offset) {
        len += ((next >>> 2) & 7) + 4
        ip += 2
      } else break
    }
    if (offset === 0 || offset > op) throw new Error(`snappy copy from offset ${offset} at byte ${op}`)
    if (op + len > size) throw new Error('snappy copy runs past the declared length')
    copyMatch(out, op, offset, len)
    op += len
  }
  if (op !== size) throw new Error(`snappy data decompressed to ${op} bytes where its header says ${size}`)
}

/** `len` bytes at `op` repeating those `offset` bytes before them (the copies may overlap). */
function copyMatch(out: Uint8Array, op: number, offset: number, len: number): void {
  const from = op - offset
  if (len < SHORT) {
    for (let b = 0; b < len; b++) out[op + b] = out[from + b] as number
  } else if (offset >= len) out.copyWithin(op, from, from + len)
  else if (offset < 8) {
    for (let b = 0; b < len; b++) out[op + b] = out[from + b] as number
  } else {
    // the pattern doubles with each move: what is written is whole periods, so it can be the source
    let done = 0
    while (done < len) {
      const n = Math.min(done + offset, len - done)
      out.copyWithin(op + done, from, from + n)
      done += n
    }
  }
}

function u32(bytes: Uint8Array, at: number): number {
  return (
    ((bytes[at] as number) |
      ((bytes[at + 1] as number) << 8) |
      ((bytes[at + 2] as number) << 16) |
      ((bytes[at + 3] as number) << 24)) >>>
    0
  )
}
