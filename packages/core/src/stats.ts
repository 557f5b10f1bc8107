/** What {@link StreamingStats.getThroughput} reports. Times are in seconds. */
export interface Throughput {
  /** Seconds spent streaming: from the start of each pass to its last batch, summed over passes. */
  elapsedSeconds: number
  recordsPerSecond: number
  batchesPerSecond: number
  totalRecords: number
  totalBatches: number
  /** Present once bytes were counted. */
  bytesPerSecond?: number
  /** Present once bytes were counted. */
  totalBytes?: number
  /** Present once a batch was timed: mean seconds to produce a batch (read + decode). */
  avgBatchTime?: number
  /** Present once a batch was timed: mean records per batch. */
  avgBatchSize?: number
  minBatchTime?: number
  maxBatchTime?: number
  p50BatchTime?: number
  p95BatchTime?: number
  /** Present once a batch was timed: seconds from the start of streaming to the first batch. */
  timeToFirstBatch?: number
}

/** Options of {@link StreamingStats}. */
export interface StreamingStatsOptions {
  /** Clock in milliseconds (default `performance.now`); tests may pass their own. */
  now?: () => number
  /** Batch times kept for percentiles; beyond it a uniform reservoir sample is kept. Default 65536. */
  maxSamples?: number
}

/**
 * Counts records, bytes and batches of a stream, and times how long each batch took to produce.
 * A loader calls {@link StreamingStats.startBatch} before reading a batch and
 * {@link StreamingStats.endBatch} once it is decoded, so a batch's time is the real read + decode.
 *
 * @example
 * ```ts
 * const stats = new StreamingStats()
 * stats.startBatch(); const batch = await readNext(); stats.endBatch(batch.numRows, batch.byteSize)
 * stats.getThroughput().recordsPerSecond
 * ```
 */
export class StreamingStats {
  readonly #now: () => number
  readonly #maxSamples: number
  #pendingStart: number | undefined
  /** Start of the current streaming segment (a pass), or undefined between passes. */
  #segmentStart: number | undefined
  /** Seconds of earlier, finished segments. */
  #closedSeconds = 0
  #firstSegmentStart: number | undefined
  #lastEnd: number | undefined
  #firstBatchAt: number | undefined
  #records = 0
  #batches = 0
  #bytes = 0
  #bytesCounted = false
  #timed = 0
  #timeSum = 0
  #timeMin = Number.POSITIVE_INFINITY
  #timeMax = 0
  #samples: Float64Array
  #sampleCount = 0
  #seed = 0x9e3779b9

  constructor(options: StreamingStatsOptions = {}) {
    this.#now = options.now ?? (() => performance.now())
    this.#maxSamples = options.maxSamples ?? 65536
    this.#samples = new Float64Array(Math.min(1024, this.#maxSamples))
  }

  /**
   * Marks the start of a pass over the data, so time to first batch includes set-up (opening files,
   * reading footers). Without it, streaming starts at the first {@link StreamingStats.startBatch}.
   * Elapsed time adds up the passes, not the idle time between them.
   */
  beginStream(): void {
    if (this.#segmentStart !== undefined) return
    const now = this.#now()
    this.#segmentStart = now
    this.#firstSegmentStart ??= now
  }

  /** Marks the end of a pass (see {@link StreamingStats.beginStream}). */
  endStream(): void {
    if (this.#segmentStart === undefined) return
    this.#closedSeconds += Math.max(0, ((this.#lastEnd ?? this.#segmentStart) - this.#segmentStart) / 1000)
    this.#segmentStart = undefined
  }

  /** Starts timing a batch. */
  startBatch(): void {
    const now = this.#now()
    if (this.#segmentStart === undefined) {
      this.#segmentStart = now
      this.#firstSegmentStart ??= now
    }
    this.#pendingStart = now
  }

  /**
   * Ends the batch started by {@link StreamingStats.startBatch}, counting its records and bytes.
   * Ignored (nothing counted) without a matching `startBatch`.
   */
  endBatch(records: number, bytes?: number): void {
    if (this.#pendingStart === undefined) return
    const start = this.#pendingStart
    this.#pendingStart = undefined
    const now = this.#now()
    this.recordBatch((now - start) / 1000, records, bytes, now)
  }

  /**
   * Records a batch whose production took `seconds` (for loaders that time batches themselves,
   * several passes at once among them). `endedAt` is the clock reading at its end, when the caller
   * has one (it saves a clock read). `endBatch` calls it.
   */
  recordBatch(seconds: number, records: number, bytes?: number, endedAt?: number): void {
    const now = endedAt ?? this.#now()
    if (this.#segmentStart === undefined) {
      this.#segmentStart = now - seconds * 1000
      this.#firstSegmentStart ??= this.#segmentStart
    }
    this.#firstBatchAt ??= now
    this.#lastEnd = now
    this.#records += records
    this.#batches++
    if (bytes !== undefined) {
      this.#bytes += bytes
      this.#bytesCounted = true
    }
    this.#timed++
    this.#timeSum += seconds
    if (seconds < this.#timeMin) this.#timeMin = seconds
    if (seconds > this.#timeMax) this.#timeMax = seconds
    this.#addSample(seconds)
  }

  /** Clears every count and time. */
  reset(): void {
    this.#pendingStart = undefined
    this.#segmentStart = undefined
    this.#closedSeconds = 0
    this.#firstSegmentStart = undefined
    this.#firstBatchAt = undefined
    this.#lastEnd = undefined
    this.#records = 0
    this.#batches = 0
    this.#bytes = 0
    this.#bytesCounted = false
    this.#timed = 0
    this.#timeSum = 0
    this.#timeMin = Number.POSITIVE_INFINITY
    this.#timeMax = 0
    this.#sampleCount = 0
  }

  /** Counts, rates and batch-time figures so far. */
  getThroughput(): Throughput {
    const open =
      this.#segmentStart === undefined || this.#lastEnd === undefined || this.#lastEnd < this.#segmentStart
        ? 0
        : (this.#lastEnd - this.#segmentStart) / 1000
    const elapsed = this.#closedSeconds + open
    const rate = (n: number) => (elapsed > 0 ? n / elapsed : 0)
    const out: Throughput = {
      elapsedSeconds: elapsed,
      recordsPerSecond: rate(this.#records),
      batchesPerSecond: rate(this.#batches),
      totalRecords: this.#records,
      totalBatches: this.#batches,
    }
    if (this.#bytesCounted) {
      out.bytesPerSecond = rate(this.#bytes)
      out.totalBytes = this.#bytes
    }
    if (this.#timed > 0) {
      const sorted = this.#samples.slice(0, this.#sampleCount).sort()
      out.avgBatchTime = this.#timeSum / this.#timed
      out.avgBatchSize = this.#records / this.#batches
      out.minBatchTime = this.#timeMin
      out.maxBatchTime = this.#timeMax
      out.p50BatchTime = quantile(sorted, 0.5)
      out.p95BatchTime = quantile(sorted, 0.95)
      out.timeToFirstBatch = ((this.#firstBatchAt ?? 0) - (this.#firstSegmentStart ?? 0)) / 1000
    }
    return out
  }

  #addSample(seconds: number): void {
    if (this.#sampleCount < this.#maxSamples) {
      if (this.#sampleCount === this.#samples.length) {
        const grown = new Float64Array(Math.min(this.#maxSamples, this.#samples.length * 2))
        grown.set(this.#samples)
        this.#samples = grown
      }
      this.#samples[this.#sampleCount++] = seconds
      return
    }
    // reservoir sampling keeps a uniform sample of every batch time in bounded memory
    const slot = this.#random() % this.#timed
    if (slot < this.#maxSamples) this.#samples[slot] = seconds
  }

  #random(): number {
    // xorshift32: deterministic, cheap, good enough for sampling
    let x = this.#seed
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    this.#seed = x >>> 0
    return this.#seed
  }
}

/**
 * The `q` quantile (0..1) of values sorted ascending, interpolated linearly between neighbours
 * (NumPy's default); NaN for no values.
 */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN
  const pos = (sorted.length - 1) * q
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  const a = sorted[lo] as number
  const b = sorted[hi] as number
  return a + (b - a) * (pos - lo)
}
