const encoder = new TextEncoder()

/**
 * One record as a tokenizer hands it over: field `k` is `buf[starts[k], ends[k])`, or the same
 * range of `scratch` when `inScratch[k]` is 1 (a quoted field whose escapes were resolved).
 */
export class RecordView {
  count = 0
  buf: Uint8Array = new Uint8Array(0)
  scratch: Uint8Array = new Uint8Array(256)
  scratchUsed = 0
  starts = new Int32Array(64)
  ends = new Int32Array(64)
  inScratch = new Uint8Array(64)
  /** Absolute offset of the record's first byte. */
  start = 0
  /** Absolute offset just past the record (its line break included). */
  end = 0
  /** 1-based line of the record's first byte. */
  line = 1

  /** Starts an empty record over `buf`. */
  reset(buf: Uint8Array): void {
    this.buf = buf
    this.count = 0
    this.scratchUsed = 0
  }

  /** Adds field `buf[start, end)`. */
  push(start: number, end: number, inScratch = 0): void {
    const k = this.count
    if (k === this.starts.length) this.#grow()
    this.starts[k] = start
    this.ends[k] = end
    this.inScratch[k] = inScratch
    this.count = k + 1
  }

  /** Appends one byte to the scratch area (for a field being unescaped). */
  scratchByte(b: number): void {
    if (this.scratchUsed === this.scratch.length) {
      const next = new Uint8Array(this.scratch.length * 2)
      next.set(this.scratch)
      this.scratch = next
    }
    this.scratch[this.scratchUsed++] = b
  }

  /** Appends `src[start, end)` to the scratch area. */
  scratchBytes(src: Uint8Array, start: number, end: number): void {
    const n = end - start
    if (this.scratchUsed + n > this.scratch.length) {
      const next = new Uint8Array(Math.max(this.scratch.length * 2, this.scratchUsed + n))
      next.set(this.scratch.subarray(0, this.scratchUsed))
      this.scratch = next
    }
    this.scratch.set(src.subarray(start, end), this.scratchUsed)
    this.scratchUsed += n
  }

  /** Adds a field given as a JS string (encoded into the scratch area). */
  pushString(value: string): void {
    const start = this.scratchUsed
    if (start + value.length * 3 > this.scratch.length) {
      const next = new Uint8Array(Math.max(this.scratch.length * 2, start + value.length * 3))
      next.set(this.scratch.subarray(0, start))
      this.scratch = next
    }
    const { written } = encoder.encodeInto(value, this.scratch.subarray(start))
    this.scratchUsed = start + written
    this.push(start, this.scratchUsed, 1)
  }

  /** The bytes array holding field `k`. */
  bytesOf(k: number): Uint8Array {
    return this.inScratch[k] === 1 ? this.scratch : this.buf
  }

  /** Field `k` decoded as a string. */
  text(k: number): string {
    return Buffer.from(
      this.bytesOf(k).buffer,
      this.bytesOf(k).byteOffset,
      this.bytesOf(k).byteLength,
    ).toString('utf8', this.starts[k], this.ends[k])
  }

  /** Every field decoded as strings. */
  texts(): string[] {
    const out: string[] = new Array(this.count)
    for (let k = 0; k < this.count; k++) out[k] = this.text(k)
    return out
  }

  #grow(): void {
    const size = this.starts.length * 2
    const starts = new Int32Array(size)
    starts.set(this.starts)
    const ends = new Int32Array(size)
    ends.set(this.ends)
    const flags = new Uint8Array(size)
    flags.set(this.inScratch)
    this.starts = starts
    this.ends = ends
    this.inScratch = flags
  }
}
