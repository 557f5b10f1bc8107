import { statSync } from 'node:fs'
import {
  type Field,
  FixedColumn,
  type LoaderOptions,
  type ReadContext,
  RecordBatch,
  StreamingDataLoader,
  type StreamingDataset,
  VectorColumn,
} from '@sd/core'
import type { VectorBatches } from './batches.js'
import type { IterVectorsOptions } from './options.js'

/** A row of a vector dataset: the vector's position in the file and the vector itself. */
export interface VectorRow extends Record<string, unknown> {
  index: number
  vector: Float32Array
}

/** What a pass reads from: an open vector file (`MemoryMappedVectors` is one). */
export interface VectorBatchSource {
  /** Number of vectors. */
  readonly length: number
  /** Components per vector. */
  readonly dimension: number
  /** True when batches are views of memory that `close()` releases. */
  readonly zeroCopy: boolean
  /** Batches of `size` vectors, each one flat `Float32Array`. */
  iterBatches(size: number, options?: IterVectorsOptions): VectorBatches
  /** Releases the file. */
  close(): void
}

/** Opens the vectors for one pass; `owned` vectors are closed when the pass ends. */
export type VectorOpener = () => { vectors: VectorBatchSource; owned: boolean }

/** The file a loader's passes open, and how (for the batch cache's key). */
export interface VectorFileKey {
  path: string
  /** The open options, serialized: the same file opened differently is another key. */
  options: string
}

/** Batch bytes per file byte, at most: the vectors, plus a 4-byte index per vector of 1 or more floats. */
const DECODED_PER_FILE_BYTE = 2

/** Rows past this do not fit an `Int32Array` index column. */
const INT32_ROWS = 2 ** 31 - 1

/**
 * A loader over a vector file: batches with an `index` column (`int32`, or `float64` past 2^31
 * rows) and a `vector` column in the column layout: one flat `Float32Array` of rows x dimension
 * (`batch.column('vector')`) with the dimension (`batch.data('vector')` is a `VectorColumn`). The
 * flat array is the batch read from the file: a view of the mapping itself for an open file on
 * the `'mmap'` backend (valid until it is closed), memory of its own otherwise.
 */
export class VectorLoader extends StreamingDataLoader<VectorRow> {
  readonly #open: VectorOpener
  readonly #file: VectorFileKey | undefined

  /**
   * `file` names the file each pass opens, for the batch cache (`cacheEnabled`, `cacheSizeMb`):
   * without it (an already open file, which appends may change) no batches are cached.
   */
  constructor(open: VectorOpener, options: LoaderOptions = {}, file?: VectorFileKey) {
    super(options)
    this.#open = open
    this.#file = file
  }

  /**
   * Decoded batches are cached when the whole file fits in the cache (a larger file would only
   * churn it), under a key that changes when the file does (size, modification time).
   */
  protected override cacheKey(): string | undefined {
    if (this.#file === undefined) return undefined
    let stat: { size: number; mtimeMs: number }
    try {
      stat = statSync(this.#file.path)
    } catch {
      // the pass itself reports a missing file
      return undefined
    }
    if (stat.size * DECODED_PER_FILE_BYTE > (this.cache?.maxSizeBytes ?? 0)) return undefined
    return `mmap-vectors:${this.#file.path}:${stat.size}:${stat.mtimeMs}:${this.options.batchSize}:${this.#file.options}`
  }

  protected override get seekable(): boolean {
    return true
  }

  override async getSchema(): Promise<Field[]> {
    const { vectors, owned } = this.#open()
    try {
      return schemaOf(vectors)
    } finally {
      if (owned) vectors.close()
    }
  }

  protected async *readBatches(ctx: ReadContext): AsyncGenerator<RecordBatch<VectorRow>> {
    const { vectors, owned } = this.#open()
    try {
      const schema = schemaOf(vectors)
      const wide = vectors.length > INT32_ROWS
      const dim = vectors.dimension
      let index = ctx.startBatch * ctx.batchSize
      // the loader's own queue reads whole batches ahead; one read in flight keeps the disk busy
      // while the consumer works on the previous batch
      const batches = vectors.iterBatches(ctx.batchSize, { start: index, prefetch: 1, signal: ctx.signal })
      for await (const view of batches) {
        // a pass that opened the file closes it at the end, which empties mapped views: rows that
        // outlive the pass (collect, toArray) need memory of their own
        const block = owned && vectors.zeroCopy ? view.slice() : view
        const rows = block.length / dim
        const ids = wide ? new Float64Array(rows) : new Int32Array(rows)
        for (let k = 0; k < rows; k++) ids[k] = index + k
        index += rows
        ctx.countBytes(block.byteLength)
        yield RecordBatch.fromData<VectorRow>(schema, [
          wide ? new FixedColumn('float64', ids) : new FixedColumn('int32', ids),
          new VectorColumn(block, dim),
        ])
      }
    } finally {
      if (owned) vectors.close()
    }
  }
}

function schemaOf(vectors: VectorBatchSource): Field[] {
  return [
    { name: 'index', type: vectors.length > INT32_ROWS ? 'float64' : 'int32', nullable: false },
    { name: 'vector', type: 'vector', nullable: false, dimension: vectors.dimension },
  ]
}

/** Creates the dataset for {@link VectorLoader}. */
export function vectorDataset(
  open: VectorOpener,
  options: LoaderOptions,
  file?: VectorFileKey,
): StreamingDataset<VectorRow> {
  return new VectorLoader(open, options, file).toDataset()
}
