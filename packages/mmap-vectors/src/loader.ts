import { statSync } from 'node:fs'
import {
  type DataUnit,
  type Field,
  FixedColumn,
  positiveInteger,
  type ReadContext,
  RecordBatch,
  StreamingDataLoader,
  type StreamingDataset,
  ValidationError,
  VectorColumn,
} from '@sd/core'
import type { VectorBatches } from './batches.js'
import type { IterVectorsOptions, VectorLoaderOptions } from './options.js'

/** A row of a vector dataset: the vector's position in the file and the vector itself. */
export interface VectorRow extends Record<string, unknown> {
  index: number
  vector: Float32Array
}

/** What a pass reads from: an open vector file (`MemoryMappedVectors` is one). */
export interface VectorBatchSource {
  /** The file's path (its base name names the units of a sharded dataset). */
  readonly path: string
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

/** Default bytes of vectors per unit of a sharded, shuffled or checkpointed dataset. */
const UNIT_BYTES = 16 << 20

/** A unit: the rows `[start, end)` of the file. */
interface RowRange {
  start: number
  end: number
}

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
  readonly #unitBytes: number
  /** Row ranges by unit id, from the last `listUnits`. */
  #units = new Map<string, RowRange>()

  /**
   * `file` names the file each pass opens, for the batch cache (`cacheEnabled`, `cacheSizeMb`):
   * without it (an already open file, which appends may change) no batches are cached.
   */
  constructor(open: VectorOpener, options: VectorLoaderOptions = {}, file?: VectorFileKey) {
    const { unitBytes, ...loaderOptions } = options
    super(loaderOptions)
    this.#open = open
    this.#file = file
    this.#unitBytes = positiveInteger('unitBytes', unitBytes, UNIT_BYTES)
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
      yield* readRows(vectors, owned, ctx.startBatch * ctx.batchSize, vectors.length, ctx)
    } finally {
      if (owned) vectors.close()
    }
  }

  /**
   * The units a sharded dataset splits: row ranges of `unitBytes` of vectors, from the length the
   * header (or the file's size) gives; nothing is read. Ids are `<file name>@<first row>`.
   */
  override async listUnits(): Promise<DataUnit[]> {
    const { vectors, owned } = this.#open()
    try {
      const name = vectors.path.split(/[/\\]/).at(-1) ?? vectors.path
      const rowBytes = vectors.dimension * Float32Array.BYTES_PER_ELEMENT
      const step = Math.max(1, Math.floor(this.#unitBytes / rowBytes))
      const units: DataUnit[] = []
      const ranges = new Map<string, RowRange>()
      for (let start = 0; start < vectors.length; start += step) {
        const end = Math.min(vectors.length, start + step)
        const id = `${name}@${start}`
        ranges.set(id, { start, end })
        units.push({ id, rows: end - start, bytes: (end - start) * rowBytes })
      }
      this.#units = ranges
      return units
    } finally {
      if (owned) vectors.close()
    }
  }

  /** The vectors of one unit from row `offset` on (0-based within the unit). */
  override async *readUnit(
    unit: DataUnit,
    offset: number,
    ctx: ReadContext,
  ): AsyncGenerator<RecordBatch<VectorRow>> {
    if (!this.#units.has(unit.id)) await this.listUnits()
    const range = this.#units.get(unit.id)
    if (range === undefined) {
      throw new ValidationError(
        `Expected the unit "${unit.id}" among this file's row ranges; it has none of that name`,
        {
          code: 'STATE_MISMATCH',
        },
      )
    }
    const { vectors, owned } = this.#open()
    try {
      yield* readRows(vectors, owned, range.start + offset, range.end, ctx)
    } finally {
      if (owned) vectors.close()
    }
  }
}

/** Batches of the rows `[start, end)`, `ctx.batchSize` at a time, with their row numbers. */
async function* readRows(
  vectors: VectorBatchSource,
  owned: boolean,
  start: number,
  end: number,
  ctx: ReadContext,
): AsyncGenerator<RecordBatch<VectorRow>> {
  const schema = schemaOf(vectors)
  const wide = vectors.length > INT32_ROWS
  const dim = vectors.dimension
  let index = start
  // the loader's own queue reads whole batches ahead; one read in flight keeps the disk busy
  // while the consumer works on the previous batch
  const batches = vectors.iterBatches(ctx.batchSize, { start, end, prefetch: 1, signal: ctx.signal })
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
  options: VectorLoaderOptions,
  file?: VectorFileKey,
): StreamingDataset<VectorRow> {
  return new VectorLoader(open, options, file).toDataset()
}
