/**
 * Time during which at least one operation of a kind (reads, writes) was under way: overlapping
 * operations count once, so `bytes / seconds` is the rate that stage sustained.
 */
export class BusyClock {
  #running = 0
  #since = 0
  #total = 0

  /** An operation starts. */
  begin(): void {
    if (this.#running++ === 0) this.#since = performance.now()
  }

  /** An operation ends. */
  end(): void {
    if (--this.#running === 0) this.#total += performance.now() - this.#since
  }

  /** Times `promise` as one operation. */
  async time<T>(promise: Promise<T>): Promise<T> {
    this.begin()
    try {
      return await promise
    } finally {
      this.end()
    }
  }

  /** Busy seconds so far. */
  get seconds(): number {
    return (this.#total + (this.#running > 0 ? performance.now() - this.#since : 0)) / 1000
  }
}

/** Seconds and MiB/s of one stage. */
export interface StageStats {
  /** Seconds the stage was busy. */
  seconds: number
  /** Bytes it handled per busy second, in MiB/s (0 when it took no measurable time). */
  mibPerSecond: number
}

/** The {@link StageStats} of `bytes` handled in `seconds`. */
export function stage(bytes: number, seconds: number): StageStats {
  return { seconds, mibPerSecond: seconds > 0 ? bytes / 2 ** 20 / seconds : 0 }
}
