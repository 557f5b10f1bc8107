import { statSync } from 'node:fs'
import {
  type DatasetStats,
  type Field,
  type ReadContext,
  type RecordBatch,
  type Row,
  StreamingDataLoader,
  throwIfAborted,
} from '@sd/core'
import { type CsvCounters, CsvDecoder } from './decoder.js'
import type { CsvLayout } from './layout.js'
import { type CsvOptions, type ResolvedCsvOptions, resolveCsvOptions } from './options.js'
import { checkParserOptions } from './record-parser.js'
import { type FileVersion, openSource } from './source.js'

/**
 * Decoded batch bytes per file byte, to tell whether a file's batches fit in the cache: typed
 * columns and strings take about 1.4x the text (measured on the benchmark file); 2 leaves margin.
 * A gzip file decompresses about 4-6x more.
 */
const DECODED_PER_BYTE = 2
const GZIP_DECODED_PER_BYTE = 10

/** What {@link CsvStreamingLoader.getStats} reports: the shared stats plus the CSV counters. */
export interface CsvStats extends DatasetStats {
  /**
   * Records dropped under `onBadRecord: 'skip'` or `onCastError: 'skip'` by the latest pass that
   * read the file (a pass served from the cache reads nothing and leaves it as it was).
   */
  skippedRecords: number
  /** Values stored as null under `onCastError: 'null'` by that pass. */
  nulledValues: number
}

/**
 * Streams a CSV file (or a gzip-compressed one) as typed columnar batches, parsed by csv-parse.
 * Column types are decided from the first batch and kept for the whole file; see {@link CsvOptions}.
 *
 * @example
 * ```ts
 * const loader = new CsvStreamingLoader('points.csv', { batchSize: 1000, onBadRecord: 'skip' })
 * console.log(await loader.getSchema()) // [{ name: 'id', type: 'int32', nullable: false }, ...]
 * for await (const batch of loader.iterBatches()) console.log(batch.numRows)
 * console.log(loader.getStats().skippedRecords)
 * ```
 */
export class CsvStreamingLoader extends StreamingDataLoader<Row, CsvStats> {
  /** The file this loader reads. */
  readonly path: string
  /** The CSV options with defaults applied. */
  readonly csvOptions: ResolvedCsvOptions
  readonly #counters: CsvCounters = { skippedRecords: 0, nulledValues: 0 }
  #layout: { layout: CsvLayout; version: FileVersion } | undefined

  constructor(path: string, options: CsvOptions = {}) {
    super(options)
    this.path = path
    this.csvOptions = resolveCsvOptions(options)
    checkParserOptions(this.csvOptions)
  }

  /** Records skipped so far, over every pass that read the file (as `totalRecords` adds up passes). */
  get skippedRecords(): number {
    return this.#counters.skippedRecords
  }

  /**
   * The columns and their types, from the header and the first batch (read once, then remembered
   * for this version of the file). `[]` for an empty file.
   */
  override async getSchema(): Promise<Field[]> {
    const source = await openSource(this.path, { chunkSize: this.csvOptions.chunkSize })
    try {
      const known = this.#known(source.version)
      if (known) return known.fields
      const decoder = this.#decoder(known, { skippedRecords: 0, nulledValues: 0 }, false)
      try {
        for await (const chunk of source.chunks) {
          decoder.write(chunk)
          if (decoder.layout) break
        }
        if (!decoder.layout) await decoder.end()
      } finally {
        decoder.destroy()
      }
      if (!decoder.layout) return []
      this.#layout = { layout: decoder.layout, version: source.version }
      return decoder.layout.fields
    } finally {
      await source.close()
    }
  }

  /** The shared stats plus `skippedRecords` and `nulledValues`. */
  override getStats(): CsvStats {
    return { ...super.getStats(), ...this.#counters }
  }

  protected override get sourceName(): string {
    return `CsvStreamingLoader(${this.path})`
  }

  /**
   * Decoded batches are cached only when the whole file is expected to fit in the cache: a larger
   * file would fill the cache during a pass only for the pass to drop it at the end (and evict
   * other entries on the way), so such passes stream with memory bounded by the batch size.
   */
  protected override cacheKey(): string | undefined {
    let version: FileVersion
    try {
      version = statSync(this.path)
    } catch {
      // the pass itself reports the missing file
      return undefined
    }
    const expected = version.size * (this.path.endsWith('.gz') ? GZIP_DECODED_PER_BYTE : DECODED_PER_BYTE)
    if (expected > (this.cache?.maxSizeBytes ?? 0)) return undefined
    const { onSkip: _, ...options } = this.csvOptions
    return `csv:${this.path}:${version.size}:${version.mtimeMs}:${this.options.batchSize}:${JSON.stringify(options)}`
  }

  protected async *readBatches(ctx: ReadContext): AsyncGenerator<RecordBatch> {
    const counters = this.#counters
    const source = await openSource(this.path, { chunkSize: this.csvOptions.chunkSize, signal: ctx.signal })
    let decoder: CsvDecoder | undefined
    try {
      const current = this.#decoder(this.#known(source.version), counters, true)
      decoder = current
      let counted = 0
      const ready = function* () {
        for (const batch of current.takeBatches()) {
          ctx.countBytes(source.bytesRead - counted)
          counted = source.bytesRead
          yield batch
        }
      }
      for await (const chunk of source.chunks) {
        current.write(chunk)
        if (current.layout) this.#layout = { layout: current.layout, version: source.version }
        yield* ready()
        throwIfAborted(ctx.signal)
      }
      await current.end()
      if (current.layout) this.#layout = { layout: current.layout, version: source.version }
      yield* ready()
    } finally {
      decoder?.destroy()
      await source.close()
    }
  }

  #known(version: FileVersion): CsvLayout | undefined {
    const known = this.#layout
    if (!known) return undefined
    return known.version.size === version.size && known.version.mtimeMs === version.mtimeMs
      ? known.layout
      : undefined
  }

  #decoder(layout: CsvLayout | undefined, counters: CsvCounters, reportSkips: boolean): CsvDecoder {
    return new CsvDecoder({
      file: this.path,
      options: this.csvOptions,
      batchSize: this.options.batchSize,
      layout,
      counters,
      onSkip: reportSkips ? this.csvOptions.onSkip : undefined,
    })
  }
}
