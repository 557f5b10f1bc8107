/**
 * A simulated consumer that spends `msPer10k` milliseconds per 10,000 records waiting, as a
 * training step, a network write or a database insert would. The wait is asynchronous, so a
 * loader reading ahead keeps decoding meanwhile: that is what makes the prefetch depth matter.
 * Waits shorter than the timer's 1 ms resolution are carried over, so the average is exact.
 */
export class SimulatedConsumer {
  readonly #msPerRecord: number
  #debtMs = 0
  /** Milliseconds actually spent waiting. */
  waitedMs = 0

  constructor(msPer10k: number) {
    this.#msPerRecord = msPer10k / 10_000
  }

  /** Milliseconds of work a batch of `records` stands for. */
  msFor(records: number): number {
    return records * this.#msPerRecord
  }

  /** Consumes a batch of `records`. */
  async consume(records: number): Promise<void> {
    if (this.#msPerRecord === 0) return
    this.#debtMs += records * this.#msPerRecord
    if (this.#debtMs < 1) return
    const t0 = performance.now()
    await new Promise<void>((resolve) => setTimeout(resolve, Math.floor(this.#debtMs)))
    const waited = performance.now() - t0
    this.waitedMs += waited
    this.#debtMs -= waited
  }
}
