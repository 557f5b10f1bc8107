import { isVectorSource, ValidationError, type VectorSource } from '@sd/core'
import { OpenedIndex } from './car-read.js'
import { type RowReader, type SaveResult, saveIndex } from './car-write.js'
import { checkK, closedError, corrupt, invalid } from './errors.js'
import { type ExactPlan, searchMemory, searchSource } from './exact.js'
import { type Metadata, MetadataStore, readMetadata } from './metadata.js'
import { type Metric, prepareQueries } from './metric.js'
import {
  checkDimension,
  checkMetric,
  type KnnIndexOptions,
  resolveWorkers,
  type SearchBatchOptions,
  type SearchOptions,
} from './options.js'
import { WorkerPool } from './pool.js'
import { rankHeaps, type SearchResult } from './results.js'
import type { Heaps } from './scan.js'
import { checkRows, MemoryVectors } from './store.js'
import { nextTurn } from './turn.js'
import { checkFinite, toQuery, toRows, type VectorsInput } from './vectors.js'

/** Options of {@link KnnIndex.fromVectors}. */
export interface FromVectorsOptions {
  /** Similarity (default `'cosine'`). */
  metric?: Metric
  /** One metadata object per row of the source (default `{ id: String(index) }`). */
  metadata?: readonly Metadata[]
  /**
   * Search threads (`'auto'` default, `0` = the calling thread): the calling thread reads chunks
   * of rows into shared memory and the workers scan them.
   */
  workers?: 'auto' | number
}

/**
 * Exact k-nearest-neighbour search over float32 vectors with metadata, scored by a WebAssembly SIMD
 * kernel that streams tiles of rows past several queries at once, split over worker threads that
 * share the vectors. Filters in the sd filter language are compiled once to a mask over rows, so a
 * filtered search returns exactly the best k among the rows the filter allows.
 *
 * @example
 * ```ts
 * const index = new KnnIndex({ dimension: 2, metric: 'cosine' })
 * index.addVectors([[1, 0], [0, 1], [0.5, 0.5]], [{ id: '1' }, { id: '2' }, { id: '3' }])
 * const hits = await index.search([0.9, 0.1], 2)
 * // [{ index: 0, score: 0.99388, metadata: { id: '1' } }, { index: 2, score: 0.78087, ... }]
 * await index.close()
 * ```
 */
export class KnnIndex {
  /** Components per vector. */
  readonly dimension: number
  /** How scores are computed. */
  readonly metric: Metric
  /** @internal rows in memory (absent for an index over a vector source). */
  readonly store: MemoryVectors | undefined
  /** @internal the vector source of {@link KnnIndex.fromVectors}. */
  readonly source: VectorSource | undefined
  /** @internal */
  readonly meta = new MetadataStore()
  private sourceLive: Uint8Array | undefined
  private sourceLiveCount = 0
  private readonly workers: number
  private pool: WorkerPool | undefined
  private closed = false

  constructor(options: KnnIndexOptions) {
    if (typeof options !== 'object' || options === null)
      throw new ValidationError('Expected options { dimension, metric? }', { code: 'INVALID_OPTION' })
    this.dimension = checkDimension(options.dimension)
    this.metric = checkMetric(options.metric)
    this.workers = resolveWorkers(options.workers)
    this.store = new MemoryVectors(
      this.dimension,
      this.metric === 'cosine' ? 'inverse' : this.metric === 'euclidean' ? 'squared' : undefined,
    )
    this.source = undefined
  }

  /**
   * An index over a {@link VectorSource} (a memory-mapped `.npy` from `@sd/mmap-vectors`, say) whose
   * rows are never copied into the index: every search streams the source tile by tile, so a file
   * larger than RAM is searched in memory bounded by one tile. Rows cannot be added; they can be
   * removed from results with {@link KnnIndex.remove}. Large searches read chunks of rows on the
   * calling thread into shared memory and scan them on the workers.
   */
  static fromVectors(source: VectorSource, options: FromVectorsOptions = {}): KnnIndex {
    if (!isVectorSource(source))
      throw new ValidationError('Expected a vector source { dimension, length, readRows }', {
        code: 'INVALID_OPTION',
      })
    const index = Object.create(KnnIndex.prototype) as KnnIndex
    const length = source.length
    const mutable = index as unknown as Record<string, unknown>
    mutable.dimension = checkDimension(source.dimension)
    mutable.metric = checkMetric(options.metric)
    mutable.workers = resolveWorkers(options.workers)
    mutable.store = undefined
    mutable.source = source
    mutable.meta = new MetadataStore()
    mutable.pool = undefined
    mutable.closed = false
    if (options.metadata !== undefined && options.metadata.length !== length)
      throw invalid(
        'KNN_METADATA_COUNT',
        `Expected ${length} metadata objects (one per vector), got ${options.metadata.length}`,
      )
    index.meta.append(0, length, options.metadata)
    // every row is live until one is removed: the live flags (a byte per row) are made then
    index.sourceLive = undefined
    index.sourceLiveCount = length
    return index
  }

  /** Vectors that can be found (removed ones not counted). */
  get length(): number {
    return this.store ? this.store.liveCount : this.sourceLiveCount
  }

  /** Rows ever stored, removed ones included: the next added vector gets this index. */
  get rowCount(): number {
    return this.store ? this.store.rows : (this.source as VectorSource).length
  }

  /** Search workers running now (they start on the first large search and stop on {@link KnnIndex.close}). */
  get workerCount(): number {
    return this.pool?.running ?? 0
  }

  private live(): Uint8Array {
    if (this.store) return this.store.live
    this.sourceLive ??= new Uint8Array(new SharedArrayBuffer(this.rowCount)).fill(1)
    return this.sourceLive
  }

  private liveCount(): number {
    return this.length
  }

  /**
   * Adds vectors (a flat `Float32Array` of rows x dimension, `number[][]` or `Float32Array[]`) with one
   * metadata object each (default `{ id: String(index) }`, numbered across calls). Returns the index
   * of the first vector added. Nothing is added when any vector or metadata is refused.
   */
  addVectors(vectors: VectorsInput, metadata?: readonly Metadata[]): number {
    if (this.closed) throw closedError()
    const store = this.store
    if (!store)
      throw new ValidationError('An index over a vector source is read-only: add to the source instead', {
        code: 'INVALID_OPTION',
      })
    const flat = toRows(vectors, this.dimension)
    const count = flat.length / this.dimension
    if (metadata !== undefined && (!Array.isArray(metadata) || metadata.length !== count))
      throw invalid(
        'KNN_METADATA_COUNT',
        `Expected ${count} metadata objects (one per vector), got ${Array.isArray(metadata) ? metadata.length : typeof metadata}`,
      )
    const first = store.rows
    checkRows(flat, this.dimension)
    this.meta.append(first, count, metadata) // validates before any row is stored
    store.reserve(count).set(flat)
    store.commit(count)
    return first
  }

  /**
   * Removes vectors by index: they are never returned again, and other vectors keep their indices.
   * Returns how many were removed (an index already removed counts 0). An index out of range is refused.
   */
  remove(indices: number | Iterable<number>): number {
    if (this.closed) throw closedError()
    const list = typeof indices === 'number' ? [indices] : [...indices]
    const rows = this.rowCount
    for (const i of list)
      if (!Number.isInteger(i) || i < 0 || i >= rows)
        throw invalid('KNN_BAD_INDEX', `Expected indices in [0, ${rows}), got ${i}`)
    let removed = 0
    for (const i of list) {
      if (this.store) removed += this.store.remove(i) ? 1 : 0
      else {
        const live = this.live()
        if (live[i] === 1) {
          live[i] = 0
          this.sourceLiveCount--
          removed++
        }
      }
    }
    return removed
  }

  /** The metadata of vector `index`. */
  metadata(index: number): Metadata {
    if (!Number.isInteger(index) || index < 0 || index >= this.rowCount)
      throw invalid('KNN_BAD_INDEX', `Expected an index in [0, ${this.rowCount}), got ${index}`)
    return this.meta.get(index)
  }

  /** The `k` vectors nearest `query`, best first. */
  async search(query: ArrayLike<number>, k: number, options: SearchOptions = {}): Promise<SearchResult[]> {
    checkK(k)
    const [hits] = await this.run(toQuery(query, this.dimension), k, options)
    return hits ?? []
  }

  /**
   * The `k` nearest vectors of each query, best first: one list per query. Large batches are split
   * over the worker threads by rows; every query of the batch passes each tile of rows while it sits
   * in cache.
   */
  async searchBatch(
    queries: VectorsInput,
    k: number,
    options: SearchBatchOptions = {},
  ): Promise<SearchResult[][]> {
    checkK(k)
    const flat = toRows(queries, this.dimension, 'query')
    checkFinite(flat, this.dimension, 'query')
    return this.run(flat, k, options)
  }

  private async run(flat: Float32Array, k: number, options: SearchOptions): Promise<SearchResult[][]> {
    if (this.closed) throw closedError()
    const nq = flat.length / this.dimension
    if (nq === 0) return []
    const rowCount = this.rowCount
    let mask: Uint8Array | undefined
    let allowed = this.liveCount()
    if (options.filter !== undefined) {
      ;({ mask, allowed } = this.meta.mask(options.filter, this.live(), rowCount))
    } else if (allowed < rowCount) {
      mask = this.live()
    }
    if (allowed === 0) return Array.from({ length: nq }, () => [])
    const plan: ExactPlan = {
      metric: this.metric,
      k: Math.min(k, allowed), // a k beyond the rows asks for every row
      queries: prepareQueries(this.metric, flat, this.dimension),
      mask,
      allowed,
      signal: options.signal,
    }
    let heaps: Heaps
    if (this.store) {
      const store = this.store
      if (this.workers > 1) this.pool ??= new WorkerPool(this.workers)
      heaps = await searchMemory(
        {
          vectors: store.vectors,
          dimension: this.dimension,
          norms: this.metric === 'dot' ? undefined : store.norms,
          maxSquaredNorm: store.maxSquaredNorm,
        },
        rowCount,
        plan,
        this.pool,
      )
    } else {
      if (this.workers > 1) this.pool ??= new WorkerPool(this.workers)
      heaps = await searchSource(this.source as VectorSource, plan, this.pool)
    }
    return rankHeaps(this.metric, heaps).map((hits) =>
      hits.map(({ index, score }) => ({ index, score, metadata: this.meta.get(index) })),
    )
  }

  /**
   * Saves the index as a CAR at `path` (a dag-cbor manifest linking raw blocks of whole rows, none
   * over 1 MiB, dag-cbor metadata blocks and the removed rows; every block addressed by its sha256)
   * and the rows as a `.npy` beside it (`index.car` -> `index.npy`) that NumPy opens. Metadata must
   * be JSON-like (`KNN_BAD_METADATA` names the row otherwise). An index over a vector source is
   * saved from its source's rows.
   */
  async save(path: string): Promise<SaveResult> {
    if (this.closed) throw closedError()
    const d = this.dimension
    const rows = this.rowCount
    const removed: number[] = []
    if (this.liveCount() < rows) {
      const live = this.live()
      for (let i = 0; i < rows; i++) if (live[i] === 0) removed.push(i)
    }
    let readRows: RowReader
    if (this.store) {
      const vectors = this.store.vectors
      readRows = (start, end, out) => out.set(vectors.subarray(start * d, end * d))
    } else {
      const source = this.source as VectorSource
      readRows = (start, end, out) => {
        const got = source.readRows(start, end, out)
        if (typeof got !== 'number')
          throw new ValidationError('Saving an index over an asynchronous vector source is not supported', {
            code: 'INVALID_OPTION',
          })
      }
    }
    return saveIndex(path, {
      kind: 'knn',
      dimension: d,
      metric: this.metric,
      rows,
      readRows,
      metadata: (i) => this.meta.raw(i),
      removed: Int32Array.from(removed),
    })
  }

  /**
   * Loads an index saved by {@link KnnIndex.save}. Every block is checked against its CID (sha256)
   * as it is read; a corrupt, truncated or foreign file fails with a `FormatError`
   * (`CAR_HASH_MISMATCH`, `CAR_TRUNCATED`, `CAR_MISSING_BLOCK`, `CAR_BAD_HEADER`, `KNN_BAD_SAVE`)
   * and nothing is returned half-loaded.
   */
  static async load(path: string, options: { workers?: 'auto' | number } = {}): Promise<KnnIndex> {
    const opened = await OpenedIndex.open(path)
    try {
      const m = opened.manifest
      if (m.kind !== 'knn')
        throw corrupt('KNN_BAD_SAVE', `This is an IVF index: open it with IvfIndex.load`, path)
      const index = new KnnIndex({
        dimension: m.dimension,
        metric: m.metric,
        workers: options.workers ?? 'auto',
      })
      const store = index.store as MemoryVectors
      const view = store.reserve(m.rows)
      const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength)
      const blockBytes = m.rowsPerBlock * m.dimension * 4
      for (let b = 0; b < m.vectors.length; b++) {
        const cid = m.vectors[b] as (typeof m.vectors)[number]
        opened.block(cid, bytes.subarray(b * blockBytes, Math.min(bytes.length, (b + 1) * blockBytes)))
        // every 64 blocks (up to 64 MiB), timers and I/O callbacks run: a progress display, a signal
        if (b % 64 === 63) await nextTurn()
      }
      checkRows(view, m.dimension)
      const metadata = readMetadata(opened)
      const removed = opened.ints(m.removed, m.removedCount)
      store.commit(m.rows)
      index.meta.appendStored(0, metadata)
      index.remove(removed)
      return index
    } finally {
      opened.close()
    }
  }

  /** Stops the search workers. Further calls fail with `KNN_CLOSED`. */
  async close(): Promise<void> {
    this.closed = true
    const pool = this.pool
    this.pool = undefined
    await pool?.close()
  }
}
