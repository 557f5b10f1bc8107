/** An Int32Array that grows by doubling. */
export class GrowableInts {
  values: Int32Array = new Int32Array(1024)
  length = 0

  push(value: number): void {
    if (this.length === this.values.length) {
      const next = new Int32Array(this.values.length * 2)
      next.set(this.values)
      this.values = next
    }
    this.values[this.length++] = value
  }

  /** Takes `values` as the whole content (no copy). */
  adopt(values: Int32Array): void {
    this.values = values.length > 0 ? values : new Int32Array(1024)
    this.length = values.length
  }
}

/** A byte array that grows by doubling. */
export class GrowableBytes {
  values: Uint8Array = new Uint8Array(1024)
  length = 0

  push(value: number): void {
    if (this.length === this.values.length) {
      const next = new Uint8Array(this.values.length * 2)
      next.set(this.values)
      this.values = next
    }
    this.values[this.length++] = value
  }

  /** Takes `values` as the whole content (no copy). */
  adopt(values: Uint8Array): void {
    this.values = values.length > 0 ? values : new Uint8Array(1024)
    this.length = values.length
  }
}
