/** An Int32Array that grows by doubling. */
export class GrowableInts {
  values = new Int32Array(1024)
  length = 0

  push(value: number): void {
    if (this.length === this.values.length) {
      const next = new Int32Array(this.values.length * 2)
      next.set(this.values)
      this.values = next
    }
    this.values[this.length++] = value
  }
}

/** A byte array that grows by doubling. */
export class GrowableBytes {
  values = new Uint8Array(1024)
  length = 0

  push(value: number): void {
    if (this.length === this.values.length) {
      const next = new Uint8Array(this.values.length * 2)
      next.set(this.values)
      this.values = next
    }
    this.values[this.length++] = value
  }
}
