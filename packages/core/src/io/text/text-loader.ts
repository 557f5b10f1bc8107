import type { RecordCounters, RecordStats } from '../../instruments.js'
import { StreamingDataLoader } from '../../loader.js'
import type { LoaderOptions } from '../../options.js'
import type { ReadContext } from '../../pass.js'
import type { RecordBatch, Row } from '../../record-batch.js'
import {
  type ByteSource,
  checkByteSource,
  OnePassGuard,
  type OpenTextOptions,
  openTextSource,
  sourceName,
  type TextSource,
} from './byte-source.js'
import { batchCacheKey } from './source-version.js'

/**
 * The base of a loader of a text format (CSV, NDJSON): it reads a {@link ByteSource}, counts the
 * records and values its bad-data policies drop or null (`getStats().skippedRecords` and
 * `nulledValues`, summed over every pass), refuses a second pass over a byte stream, and keys
 * its batch cache on the source's version.
 *
 * @example
 * ```ts
 * class LinesLoader extends TextStreamingLoader {
 *   protected async *readBatches(ctx: ReadContext) {
 *     const text = await this.openText({ signal: ctx.signal, onBytes: (n) => ctx.countBytes(n) })
 *     try { for await (const chunk of text.chunks) yield toBatch(chunk) } finally { await text.close() }
 *   }
 * }
 * ```
 */
export abstract class TextStreamingLoader<
  TStats extends RecordStats = RecordStats,
> extends StreamingDataLoader<Row, TStats> {
  /** What this loader reads. */
  readonly source: ByteSource
  /** Records skipped and values nulled, over every pass that read the source. */
  protected readonly counters: RecordCounters = { skippedRecords: 0, nulledValues: 0 }
  readonly #passes = new OnePassGuard()

  constructor(source: ByteSource, options: LoaderOptions = {}) {
    super(options)
    checkByteSource(source)
    this.source = source
  }

  /** Records dropped so far (every pass that read the source counts, as `totalRecords` does). */
  get skippedRecords(): number {
    return this.counters.skippedRecords
  }

  /** Values stored as null so far. */
  get nulledValues(): number {
    return this.counters.nulledValues
  }

  /** The shared stats plus `skippedRecords` and `nulledValues`. */
  override getStats(): TStats {
    return { ...super.getStats(), ...this.counters }
  }

  protected override get sourceName(): string {
    return `${this.constructor.name}(${sourceName(this.source)})`
  }

  /**
   * This loader's batches inside another loader's pass (a file of a {@link TextFileListLoader}):
   * the caller's read-ahead, statistics and cancellation, none of this loader's own.
   *
   * @internal
   */
  readWithin(ctx: ReadContext): AsyncIterable<RecordBatch<Row>> | Iterable<RecordBatch<Row>> {
    return this.readBatches(ctx)
  }

  /** Opens the source for one pass (a byte stream only once: `SOURCE_CONSUMED` after). */
  protected openText(options: OpenTextOptions): Promise<TextSource> {
    this.#passes.begin(this.source)
    return openTextSource(this.source, options)
  }

  /**
   * The batch-cache key for this source and `parts` (batch size, options), or `undefined` when the
   * source has no stable version or its batches (`decodedPerByte` bytes per source byte) would not
   * fit in the cache.
   */
  protected textCacheKey(
    prefix: string,
    decodedPerByte: number,
    parts: readonly unknown[],
  ): string | undefined {
    return batchCacheKey(prefix, this.source, { cache: this.cache, decodedPerByte, parts })
  }
}
