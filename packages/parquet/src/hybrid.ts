/**
 * A resumable reader of Parquet's RLE / bit-packed hybrid encoding (definition levels,
 * dictionary indexes, booleans): each `read` continues where the last one stopped, so a page is
 * decoded batch by batch instead of whole.
 */
export class HybridReader {
  readonly #bytes: Uint8Array
  readonly #width: number
  readonly #end: number
  #pos: number
  #rleLeft = 0
  #rleValue = 0
  #packedLeft = 0
  #bit = 0

  /** Reads `bytes[start, end)` holding values of `width` bits. */
  constructor(bytes: Uint8Array, start: number, end: number, width: number) {
    if (end > bytes.length || start > end)
      throw new Error(`encoded run [${start}, ${end}) lies outside the page`)
    this.#bytes = bytes
    this.#pos = start
    this.#end = end
    this.#width = width
  }

  /** Fills `out[0, n)` with the next `n` values. */
  read(out: Uint8Array | Uint32Array, n: number): void {
    const bytes = this.#bytes
    const width = this.#width
    if (width === 0) {
      out.fill(0, 0, n)
      return
    }
    let i = 0
    while (i < n) {
      if (this.#rleLeft > 0) {
        const k = Math.min(this.#rleLeft, n - i)
        out.fill(this.#rleValue, i, i + k)
        this.#rleLeft -= k
        i += k
        continue
      }
      if (this.#packedLeft > 0) {
        const k = Math.min(this.#packedLeft, n - i)
        let bit = this.#bit
        if (width === 1) {
          for (let j = 0; j < k; j++, bit++) out[i + j] = ((bytes[bit >> 3] as number) >> (bit & 7)) & 1
        } else {
          for (let j = 0; j < k; j++) {
            let value = 0
            let got = 0
            while (got < width) {
              const shift = bit & 7
              const take = Math.min(8 - shift, width - got)
              value |= (((bytes[bit >> 3] as number) >> shift) & ((1 << take) - 1)) << got
              got += take
              bit += take
            }
            out[i + j] = value >>> 0
          }
        }
        this.#bit = bit
        this.#packedLeft -= k
        i += k
        continue
      }
      this.#header()
    }
  }

  #header(): void {
    const bytes = this.#bytes
    let header = 0
    let shift = 0
    for (;;) {
      if (this.#pos >= this.#end) throw new Error('encoded values end before the rows the page promises')
      const b = bytes[this.#pos++] as number
      header += (b & 0x7f) * 2 ** shift
      if (b < 0x80) break
      shift += 7
    }
    if (header % 2 === 1) {
      const groups = Math.floor(header / 2)
      this.#packedLeft = groups * 8
      this.#bit = this.#pos * 8
      // the last run may be cut short of whole groups; reads past the data fail below
      this.#pos = Math.min(this.#end, this.#pos + groups * this.#width)
      if (this.#bit + this.#packedLeft * this.#width > this.#end * 8) {
        this.#packedLeft = Math.floor((this.#end * 8 - this.#bit) / this.#width)
      }
    } else {
      this.#rleLeft = header / 2
      let value = 0
      const width = (this.#width + 7) >> 3
      if (this.#pos + width > this.#end) throw new Error('run-length value lies outside the page')
      for (let k = 0; k < width; k++) value += (bytes[this.#pos++] as number) * 2 ** (8 * k)
      this.#rleValue = value
    }
  }
}
