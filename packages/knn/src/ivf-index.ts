import { ValidationError } from '@sd/core'
import { OpenedIndex } from './car-read.js'
import { type RowReader, type SaveResult, saveIndex } from './car-write.js'
import { checkK, closedError, corrupt, invalid } from './errors.js'
import { GrowableBytes, GrowableInts } from './growable.js'
import { FileLists, MemoryList } from './ivf-lists.js'
import { type IvfRows, searchAllowed, searchLists } from './ivf-search.js'
import { kmeans, nearestCentroids, type TrainOptions } from './kmeans.js'
import { type Metadata, MetadataStore, readMetadata } from './metadata.js'
import { type Metric, prepareQueries } from './metric.js'
import { checkDimension, checkMetric, resolveWorkers, type SearchOptions } from './options.js'
import { WorkerPool } from './pool.js'
import { rankHeaps, type SearchResult } from './results.js'
import type { Heaps } from './scan.js'
import { checkRows } from './store.js'
import { checkFinite, toQuery, toRows, type VectorsInput } from './vectors.js'

/** Options of `new IvfIndex(...)`. */
export interface IvfIndexOptions {
  dimension: number
  /** Similarity (default `'cosine'`). */
  metric?: Metric
  /** Number of inverted lists (k-means centroids). A common choice is about sqrt(rows) to 4 x sqrt(rows). */
  nlist: number
  /** Threads for training and assigning (`'auto'` default, `0` = the calling thread). */
  workers?: 'auto' | number
}

/** Options of an IVF search. */
export interface IvfSearchOptions extends SearchOptions {
  /** Lists scanned per query (default `ceil(nlist / 16)`); more lists, higher recall, slower. */
  nprobe?: number
}

/**
 * An inverted-file index for collections larger than RAM: k-means centroids (trained on a sample with
 * the search kernel) split the rows into `nlist` lists, and a search scans only the `nprobe` lists
 * nearest each query. Saved, its rows are stored list by list in the CAR (and the `.npy` beside it);
 * a loaded index reads the lists it probes from the file by position, never the whole file into RAM.
 * Filters apply inside the probed lists; when the filter allows fewer rows than the probed lists hold,
 * the search is exact over the allowed rows instead.
 *
 * @example
 * ```ts
 * const ivf = new IvfIndex({ dimension: 128, metric: 'euclidean', nlist: 256 })
 * await ivf.train(sample)
 * await ivf.addVectors(vectors)
 * const hits = await ivf.search(query, 10, { nprobe: 16 })
 * ```
 */
export class IvfIndex {
  readonly dimension: number
  readonly metric: Metric
  readonly nlist: number
  private centroids: Float32Array | undefined
  private trainedOn = 0
  private lists: MemoryList[]
  private file: FileLists | undefined
  private readonly listOf = new GrowableInts()
  private readonly posOf = new GrowableInts()
  private readonly live = new GrowableBytes()
  private liveCount = 0
  private readonly meta = new MetadataStore()
  private readonly workers: number
  private pool: WorkerPool | undefined
  private closed = false

  constructor(options: IvfIndexOptions) {
    if (typeof options !== 'object' || options === null)
      throw new ValidationError('Expected options { dimension, metric?, nlist }', { code: 'INVALID_OPTION' })
    this.dimension = checkDimension(options.dimension)
    this.metric = checkMetric(options.metric)
    if (!Number.isInteger(options.nlist) || options.nlist < 1)
      throw new ValidationError(`Expected nlist to be a positive integer, got ${String(options.nlist)}`, {
        code: 'INVALID_OPTION',
      })
    this.nlist = options.nlist
    this.workers = resolveWorkers(options.workers)
    this.lists = Array.from({ length: this.nlist }, () => new MemoryList(this.dimension))
  }

  /** True once {@link IvfIndex.train} has run (or the index was loaded). */
  get trained(): boolean {
    return this.centroids !== undefined
  }

  /** Vectors that can be found. */
  get length(): number {
    return this.liveCount
  }

  /** Rows ever stored, removed ones included. */
  get rowCount(): number {
    return this.live.length
  }

  /** Bytes of vectors held in memory (0 for a loaded index until vectors are added). */
  get memoryVectorBytes(): number {
    return this.lists.reduce((s, l) => s + l.count * this.dimension * 4, 0)
  }

  /** Search workers running now (started by the first large batch, stopped by `close`). */
  get workerCount(): number {
    return this.pool?.running ?? 0
  }

  private workerPool(): WorkerPool | undefined {
    if (this.workers > 1) this.pool ??= new WorkerPool(this.workers)
    return this.pool
  }

  /**
   * Trains the `nlist` centroids by k-means on `sample` (at least `nlist` vectors; 30 to 256 per list
   * is typical). Allowed once, before any vector is added.
   */
  async train(sample: VectorsInput, options: TrainOptions = {}): Promise<void> {
    if (this.closed) throw closedError()
    if (this.rowCount > 0 || this.trained)
      throw new ValidationError('The index is already trained', { code: 'INVALID_OPTION' })
    const flat = toRows(sample, this.dimension, 'sample vector')
    checkRows(flat, this.dimension, 'sample vector')
    const n = flat.length / this.dimension
    if (n < this.nlist)
      throw new ValidationError(`Expected at least nlist = ${this.nlist} sample vectors, got ${n}`, {
        code: 'INVALID_OPTION',
      })
    this.centroids = await kmeans(this.metric, flat, this.dimension, this.nlist, options, this.workerPool())
    this.trainedOn = n
  }

  /**
   * Adds vectors to their nearest lists with one metadata object each (default `{ id: String(index) }`).
   * Returns the index of the first. Needs a trained index.
   */
  async addVectors(vectors: VectorsInput, metadata?: readonly Metadata[]): Promise<number> {
    if (this.closed) throw closedError()
    const centroids = this.centroids
    if (!centroids) throw invalid('KNN_NOT_TRAINED', 'Train the index (train(sample)) before adding vectors')
    const flat = toRows(vectors, this.dimension)
    checkRows(flat, this.dimension)
    const d = this.dimension
    const count = flat.length / d
    if (metadata !== undefined && (!Array.isArray(metadata) || metadata.length !== count))
      throw invalid(
        'KNN_METADATA_COUNT',
        `Expected ${count} metadata objects (one per vector), got ${Array.isArray(metadata) ? metadata.length : typeof metadata}`,
      )
    const first = this.rowCount
    this.meta.append(first, count, metadata)
    const assigned = await nearestCentroids(this.metric, flat, centroids, d, this.workerPool())
    for (let r = 0; r < count; r++) {
      const list = assigned[r] as number
      const pos = (this.lists[list] as MemoryList).push(flat.subarray(r * d, (r + 1) * d), first + r)
      this.listOf.push(list)
      this.posOf.push(pos)
      this.live.push(1)
    }
    this.liveCount += count
    return first
  }

  /** Removes vectors by index (never returned again; other indices unchanged). Returns how many. */
  remove(indices: number | Iterable<number>): number {
    if (this.closed) throw closedError()
    const list = typeof indices === 'number' ? [indices] : [...indices]
    for (const i of list)
      if (!Number.isInteger(i) || i < 0 || i >= this.rowCount)
        throw invalid('KNN_BAD_INDEX', `Expected indices in [0, ${this.rowCount}), got ${i}`)
    let removed = 0
    for (const i of list)
      if (this.live.values[i] === 1) {
        this.live.values[i] = 0
        removed++
      }
    this.liveCount -= removed
    return removed
  }

  /** The metadata of vector `index`. */
  metadata(index: number): Metadata {
    if (!Number.isInteger(index) || index < 0 || index >= this.rowCount)
      throw invalid('KNN_BAD_INDEX', `Expected an index in [0, ${this.rowCount}), got ${index}`)
    return this.meta.get(index)
  }

  /** The (approximately) `k` nearest vectors of `query`, best first. */
  async search(query: ArrayLike<number>, k: number, options: IvfSearchOptions = {}): Promise<SearchResult[]> {
    checkK(k)
    return (await this.run(toQuery(query, this.dimension), k, options))[0] ?? []
  }

  /** {@link IvfIndex.search} for many queries; queries probing the same list scan it together. */
  async searchBatch(
    queries: VectorsInput,
    k: number,
    options: IvfSearchOptions = {},
  ): Promise<SearchResult[][]> {
    checkK(k)
    const flat = toRows(queries, this.dimension, 'query')
    checkFinite(flat, this.dimension, 'query')
    return this.run(flat, k, options)
  }

  private async run(flat: Float32Array, k: number, options: IvfSearchOptions): Promise<SearchResult[][]> {
    if (this.closed) throw closedError()
    const centroids = this.centroids
    if (!centroids) throw invalid('KNN_NOT_TRAINED', 'Train the index (train(sample)) before searching')
    const nprobe = options.nprobe ?? Math.ceil(this.nlist / 16)
    if (!Number.isInteger(nprobe) || nprobe < 1)
      throw new ValidationError(`Expected nprobe to be a positive integer, got ${String(nprobe)}`, {
        code: 'INVALID_OPTION',
      })
    const nq = flat.length / this.dimension
    const rowCount = this.rowCount
    const live = this.live.values.subarray(0, rowCount)
    let mask: Uint8Array | undefined
    let allowed = this.liveCount
    if (options.filter !== undefined) ({ mask, allowed } = this.meta.mask(options.filter, live, rowCount))
    else if (allowed < rowCount) mask = live
    if (allowed === 0 || nq === 0) return Array.from({ length: nq }, () => [])
    const rows: IvfRows = {
      dimension: this.dimension,
      metric: this.metric,
      centroids,
      lists: this.lists,
      file: this.file,
      posOf: this.posOf.values,
      listOf: this.listOf.values,
    }
    const plan = {
      queries: prepareQueries(this.metric, flat, this.dimension),
      k: Math.min(k, allowed), // a k beyond the rows asks for every row
      nprobe: Math.min(nprobe, this.nlist),
      mask,
      signal: options.signal,
    }
    // a filter allowing fewer rows than the probed lists hold: exact over the allowed rows
    const exact = mask !== undefined && allowed <= (rowCount * plan.nprobe) / this.nlist
    let heaps: Heaps
    if (exact) {
      const ids = new Int32Array(allowed)
      let j = 0
      for (let i = 0; i < rowCount && j < allowed; i++) if ((mask as Uint8Array)[i]) ids[j++] = i
      heaps = searchAllowed(rows, plan, ids)
    } else heaps = await searchLists(rows, plan, this.workerPool())
    return rankHeaps(this.metric, heaps).map((hits) =>
      hits.map(({ index, score }) => ({ index, score, metadata: this.meta.get(index) })),
    )
  }

  /**
   * Saves the index as a CAR (see `KnnIndex.save`) whose vector blocks hold the rows list by list,
   * with the centroids, list offsets and the index of each stored row, plus the `.npy` of the rows
   * in the same (list) order.
   */
  async save(path: string): Promise<SaveResult> {
    if (this.closed) throw closedError()
    const centroids = this.centroids
    if (!centroids) throw invalid('KNN_NOT_TRAINED', 'Train the index (train(sample)) before saving it')
    const d = this.dimension
    const rows = this.rowCount
    // storage order: list by list, the file part of a list first, then its rows added in memory
    type Segment = { start: number; end: number; file: boolean; list: number; from: number }
    const segments: Segment[] = []
    const offsets = new Int32Array(this.nlist + 1)
    const ids = new Int32Array(rows)
    let at = 0
    for (let l = 0; l < this.nlist; l++) {
      offsets[l] = at
      if (this.file) {
        const a = this.file.offsets[l] as number
        const b = this.file.offsets[l + 1] as number
        if (b > a) segments.push({ start: at, end: at + b - a, file: true, list: l, from: a })
        ids.set(this.file.ids.subarray(a, b), at)
        at += b - a
      }
      const memory = this.lists[l] as MemoryList
      if (memory.count > 0)
        segments.push({ start: at, end: at + memory.count, file: false, list: l, from: 0 })
      ids.set(memory.ids.subarray(0, memory.count), at)
      at += memory.count
    }
    offsets[this.nlist] = at
    const readRows: RowReader = (start, end, out) => {
      for (const s of segments) {
        const a = Math.max(start, s.start)
        const b = Math.min(end, s.end)
        if (a >= b) continue
        const target = out.subarray((a - start) * d, (b - start) * d)
        const from = s.from + (a - s.start)
        if (s.file) (this.file as FileLists).read(from, from + (b - a), target)
        else target.set((this.lists[s.list] as MemoryList).vectors.subarray(from * d, (from + b - a) * d))
      }
    }
    const removed: number[] = []
    for (let i = 0; i < rows; i++) if (this.live.values[i] === 0) removed.push(i)
    return saveIndex(path, {
      kind: 'ivf',
      dimension: d,
      metric: this.metric,
      rows,
      readRows,
      metadata: (i) => this.meta.raw(i),
      removed: Int32Array.from(removed),
      ivf: { nlist: this.nlist, centroids, offsets, ids, trainedOn: this.trainedOn },
    })
  }

  /**
   * Opens an IVF index saved by {@link IvfIndex.save}. Every block is checked against its CID
   * (vector blocks are streamed through a small buffer, not kept); searches then read the probed
   * lists from the CAR by position. Keep it open while searching; {@link IvfIndex.close} releases
   * the file.
   */
  static async load(path: string, options: { workers?: 'auto' | number } = {}): Promise<IvfIndex> {
    const opened = await OpenedIndex.open(path)
    try {
      const m = opened.manifest
      const ivf = m.ivf
      if (m.kind !== 'ivf' || !ivf)
        throw corrupt('KNN_BAD_SAVE', 'This is not an IVF index: open it with KnnIndex.load', path)
      await opened.verifyBlocks(m.vectors)
      const index = new IvfIndex({
        dimension: m.dimension,
        metric: m.metric,
        nlist: ivf.nlist,
        workers: options.workers ?? 'auto',
      })
      const centroids = opened.floats(ivf.centroids, ivf.nlist * m.dimension)
      const offsets = opened.ints(ivf.offsets, ivf.nlist + 1)
      const ids = opened.ints(ivf.ids, m.rows, true)
      const metadata = readMetadata(opened)
      const removed = opened.ints(m.removed, m.removedCount)
      const file = new FileLists(opened, offsets, ids)
      const posOf = new Int32Array(m.rows).fill(0)
      const listOf = new Int32Array(m.rows)
      const seen = new Uint8Array(m.rows)
      for (let l = 0; l < ivf.nlist; l++)
        for (let p = offsets[l] as number; p < (offsets[l + 1] as number); p++) {
          const id = ids[p] as number
          if (!(id >= 0 && id < m.rows) || seen[id])
            throw corrupt('KNN_BAD_SAVE', 'IVF row ids are not a permutation of the rows', path)
          seen[id] = 1
          posOf[id] = -1 - p
          listOf[id] = l
        }
      index.centroids = centroids
      index.trainedOn = ivf.trainedOn
      index.file = file
      index.posOf.adopt(posOf)
      index.listOf.adopt(listOf)
      index.live.adopt(new Uint8Array(m.rows).fill(1))
      index.liveCount = m.rows
      index.meta.appendStored(0, metadata)
      index.remove(removed)
      return index
    } catch (error) {
      opened.close()
      throw error
    }
  }

  /** Stops the workers and closes the saved file a loaded index reads. */
  async close(): Promise<void> {
    this.closed = true
    this.file?.close()
    const pool = this.pool
    this.pool = undefined
    await pool?.close()
  }
}
