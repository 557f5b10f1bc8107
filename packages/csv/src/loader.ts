import {
  type ByteSource,
  countUnitRows,
  type DataUnit,
  type Field,
  isByteStream,
  type ReadContext,
  type RecordBatch,
  type RecordCounters,
  type RecordStats,
  type ResolvedRemoteOptions,
  rangeView,
  resolveRemoteOptions,
  skipRows,
  sourceVersion,
  type TextSource,
  TextStreamingLoader,
  throwIfAborted,
  ValidationError,
} from '@sd/core'
import { normalize_options } from 'csv-parse'
import { CsvParseEngine, csvParseOptions } from './csv-parse-engine.js'
import { CsvDecoder, MAX_BATCH_BYTES, TYPED } from './decoder.js'
import type { CsvParser } from './engine.js'
import { FastCsvEngine } from './fast-engine.js'
import type { CsvLayout } from './layout.js'
import { type CsvOptions, type ResolvedCsvOptions, resolveCsvOptions } from './options.js'
import { parallelCsv, RANGE_BYTES } from './parallel.js'
import { RD_UNKNOWN } from './scanner.js'
import { csvUnits, isRangeUnit, layoutTypes, locateUnit, placeInFile, WHOLE } from './units.js'

/**
 * Decoded batch bytes per source byte, to tell whether a file's batches fit in the cache: typed
 * columns and strings take about 1.4x the text (measured on the benchmark file); 2 leaves margin.
 */
const DECODED_PER_BYTE = 2

/** What {@link CsvStreamingLoader.getStats} reports: the shared stats plus the record counters. */
export type CsvStats = RecordStats

/**
 * Streams a CSV source (a file or URL, plain or gzip; a `RangeReader`; a byte stream) as typed
 * columnar batches. Column types are decided from the first batch and kept for the whole file;
 * see {@link CsvOptions}.
 *
 * @example
 * ```ts
 * const loader = new CsvStreamingLoader('points.csv', { batchSize: 1000, onBadRecord: 'skip' })
 * console.log(await loader.getSchema()) // [{ name: 'id', type: 'int32', nullable: false }, ...]
 * for await (const batch of loader.iterBatches()) console.log(batch.numRows)
 * console.log(loader.getStats().skippedRecords)
 * ```
 */
export class CsvStreamingLoader extends TextStreamingLoader<CsvStats> {
  /** The CSV options with defaults applied. */
  readonly csvOptions: ResolvedCsvOptions
  /** The options as given (a unit is read by a loader of its own, with these). */
  readonly #given: CsvOptions
  /** How URL and `s3://` sources are reached. */
  readonly #remote: ResolvedRemoteOptions
  #layout: { layout: CsvLayout; version: string } | undefined

  constructor(source: ByteSource, options: CsvOptions = {}) {
    super(source, options)
    this.#given = options
    this.csvOptions = resolveCsvOptions(options)
    this.#remote = resolveRemoteOptions(options)
    if (this.csvOptions.engine === 'csv-parse') {
      try {
        normalize_options(csvParseOptions(this.csvOptions, undefined))
      } catch (err) {
        throw new ValidationError(
          `Invalid CSV options: ${err instanceof Error ? err.message : String(err)}`,
          {
            code: 'INVALID_OPTION',
            cause: err,
          },
        )
      }
    }
  }

  /**
   * The columns and their types, from the header and the first batch (read once, then remembered
   * for this version of the file). `[]` for an empty file. A byte stream is not read for it (it
   * can be read only once): the schema comes with its first batch.
   */
  override async getSchema(): Promise<Field[] | undefined> {
    if (isByteStream(this.source)) return undefined
    const known = this.#known()
    if (known) return known.fields
    const text = await this.#open(undefined, undefined)
    try {
      const { engine } = this.#parser(text, undefined, { skippedRecords: 0, nulledValues: 0 }, false, true)
      for await (const chunk of text.chunks) {
        engine.write(chunk)
        if (engine.layout) break
      }
      if (!engine.layout) engine.end()
      if (!engine.layout) return []
      this.#remember(engine.layout)
      return engine.layout.fields
    } finally {
      await text.close()
    }
  }

  /** Batches are cached per file version and options, when they are expected to fit in the cache. */
  protected override cacheKey(): string | undefined {
    const { onSkip: _, workers: __, ...options } = this.csvOptions
    return this.textCacheKey('csv', DECODED_PER_BYTE, [this.options.batchSize, options])
  }

  /**
   * The units a sharded dataset splits: line-aligned byte ranges of `unitBytes` for a plain file
   * (or URL, `s3://` object, range reader) in the default quoting, the whole source otherwise.
   */
  override async listUnits(signal?: AbortSignal): Promise<DataUnit[]> {
    if (isByteStream(this.source)) return [{ id: WHOLE }]
    const text = await this.#open(signal, undefined)
    try {
      return csvUnits(text, this.csvOptions, this.csvOptions.unitBytes)
    } finally {
      await text.close()
    }
  }

  /**
   * The records of one unit from record `offset` on: its bytes after the header line, read by a
   * loader of their own with the column types a whole pass decides. Errors name the file's bytes.
   */
  override async *readUnit(unit: DataUnit, offset: number, ctx: ReadContext): AsyncGenerator<RecordBatch> {
    if (!isRangeUnit(unit)) {
      yield* skipRows(this.readBatches(ctx), offset)
      return
    }
    const fields = (await this.getSchema()) ?? []
    const text = await this.#open(ctx.signal, undefined)
    try {
      const reader = text.reader
      if (reader === undefined)
        throw new ValidationError('A byte-range unit needs a plain file read by range', {
          code: 'STATE_MISMATCH',
        })
      const bytes = await locateUnit(reader, unit, this.csvOptions, text.location, ctx.signal)
      if (bytes.start >= bytes.end) return
      const parts = [
        { reader, start: 0, end: bytes.header },
        { reader, start: bytes.start, end: bytes.end },
      ]
      const view = rangeView(`${text.name}@${bytes.start}`, parts, (n) => ctx.countBytes(n))
      const inner = new CsvStreamingLoader(view, {
        ...this.#given,
        columnTypes: layoutTypes(fields),
        compression: 'none',
        batchSize: ctx.batchSize,
        prefetchBatches: 0,
        cacheEnabled: false,
        collectStats: false,
      })
      try {
        yield* skipRows(inner.iterBatches({ signal: ctx.signal }), offset)
      } catch (err) {
        throw placeInFile(err, bytes, text.location)
      } finally {
        this.counters.skippedRecords += inner.skippedRecords
        this.counters.nulledValues += inner.nulledValues
      }
    } finally {
      await text.close()
    }
  }

  /** The exact records of a unit (a decoding pass over it), for `equalize`. */
  override countRows(unit: DataUnit, signal?: AbortSignal): Promise<number> {
    return countUnitRows((u, o, ctx) => this.readUnit(u, o, ctx), unit, this.options.batchSize, signal)
  }

  protected async *readBatches(ctx: ReadContext): AsyncGenerator<RecordBatch> {
    const text = await this.#open(ctx.signal, (n) => ctx.countBytes(n))
    try {
      const { engine, decoder } = this.#parser(text, this.#known(), this.counters, true)
      const reader = text.reader
      const parallel =
        this.csvOptions.workers > 0 &&
        reader !== undefined &&
        engine instanceof FastCsvEngine &&
        reader.byteLength >= 2 * RANGE_BYTES
      let handOff = false
      // the rows read before a failure (of the data or of the source) are handed over first
      const chunks = text.chunks[Symbol.asyncIterator]()
      for (;;) {
        const next = await chunks.next().then(
          (r) => r,
          (error: unknown) => ({ error }),
        )
        if ('error' in next) {
          decoder.flushRead()
          yield* engine.takeBatches()
          throw next.error
        }
        if (next.done) break
        const failure = attempt(() => engine.write(next.value))
        if (failure) decoder.flushRead()
        yield* engine.takeBatches()
        if (failure) throw failure.error
        throwIfAborted(ctx.signal)
        if (parallel && decoder.stage === TYPED && engine.scanner.rd !== RD_UNKNOWN) {
          handOff = true
          await chunks.return?.(undefined)
          break
        }
      }
      if (handOff && parallel) {
        // the header and the first batch are read: workers parse the rest
        const fast = engine as FastCsvEngine
        const from = { byte: fast.position, line: fast.scanner.line, row: decoder.nextRow }
        if (decoder.layout) this.#remember(decoder.layout)
        decoder.end()
        yield* decoder.takeBatches()
        yield* parallelCsv({
          reader,
          at: text.location,
          options: this.csvOptions,
          decoder,
          from,
          rd: fast.scanner.rd,
          batchSize: this.options.batchSize,
          maxBatchBytes: MAX_BATCH_BYTES,
          counters: this.counters,
          signal: ctx.signal,
          onBytes: (n) => ctx.countBytes(n),
        })
        return
      }
      const failure = attempt(() => engine.end())
      if (failure) decoder.flushRead()
      if (engine.layout) this.#remember(engine.layout)
      yield* engine.takeBatches()
      if (failure) throw failure.error
    } finally {
      await text.close()
    }
  }

  async #open(
    signal: AbortSignal | undefined,
    onBytes: ((n: number) => void) | undefined,
  ): Promise<TextSource> {
    return this.openText({
      chunkBytes: this.csvOptions.chunkBytes,
      compression: this.csvOptions.compression,
      signal,
      onBytes,
      http: this.#remote.http,
      s3: this.#remote.s3,
    })
  }

  #known(): CsvLayout | undefined {
    const known = this.#layout
    if (!known) return undefined
    return sourceVersion(this.source)?.key === known.version ? known.layout : undefined
  }

  #remember(layout: CsvLayout): void {
    const version = sourceVersion(this.source)
    if (version) this.#layout = { layout, version: version.key }
  }

  #parser(
    text: TextSource,
    layout: CsvLayout | undefined,
    counters: RecordCounters,
    reportSkips: boolean,
    schemaOnly = false,
  ): { engine: CsvParser; decoder: CsvDecoder } {
    const decoder = new CsvDecoder({
      at: text.location,
      options: this.csvOptions,
      batchSize: this.options.batchSize,
      maxBatchBytes: MAX_BATCH_BYTES,
      layout,
      counters,
      onSkip: reportSkips ? this.csvOptions.onSkip : undefined,
      schemaOnly,
    })
    const engine =
      this.csvOptions.engine === 'fast'
        ? new FastCsvEngine(decoder, this.csvOptions)
        : new CsvParseEngine(decoder, this.csvOptions)
    return { engine, decoder }
  }
}

/** Runs `fn`; its error, boxed, or undefined. */
function attempt(fn: () => void): { error: unknown } | undefined {
  try {
    fn()
    return undefined
  } catch (error) {
    return { error }
  }
}
