import { fsyncSync } from 'node:fs'
import {
  assertBatchSize,
  type CacheStats,
  fileSystemError,
  StateError,
  type StreamingDataset,
  UnsupportedError,
  ValidationError,
  type VectorSource,
} from '@sd/core'
import { appendRows } from './append.js'
import { type BatchPlan, batchesAsync, batchesSync, type VectorBatches } from './batches.js'
import { badIndex, closedError, rowRange, unaligned } from './checks.js'
import { toFlatVectors } from './coerce.js'
import type { SharedFd } from './file-io.js'
import { VectorLoader, type VectorRow } from './loader.js'
import { MmapRows } from './mmap-rows.js'
import { mmapUnavailableReason, nativeMmap } from './native.js'
import { openVectorFile } from './open-file.js'
import {
  type IterVectorsOptions,
  type OpenVectorsOptions,
  resolveOpenOptions,
  type VectorFileMode,
  type VectorFormat,
  type VectorLoaderOptions,
  type VectorsInput,
} from './options.js'
import { PreadRows } from './pread-rows.js'
import type { RowSource } from './row-source.js'

/**
 * A file of float32 vectors (raw rows or NumPy `.npy`), read without loading it: by memory mapping
 * (`backend: 'mmap'`, zero-copy views) or by positional reads through a bounded page cache
 * (`backend: 'pread'`, copies). Appends are durable: data first, then the new count.
 *
 * @example
 * ```ts
 * const vectors = new MemoryMappedVectors('embeddings.npy', { mode: 'r' })
 * vectors.length          // 1000000
 * vectors.get(-1)         // Float32Array(768) [...] (the last vector)
 * for (const batch of vectors.iterBatches(10_000)) consume(batch) // 10,000 × 768 floats each
 * vectors.close()
 * ```
 */
export class MemoryMappedVectors implements VectorSource {
  /** The file. */
  readonly path: string
  /** `'npy'` or `'raw'`. */
  readonly format: VectorFormat
  /** The mode it was opened in. */
  readonly mode: VectorFileMode
  /** Components per vector. */
  readonly dimension: number
  /** The backend in use (what `'auto'` resolved to). */
  readonly backend: 'mmap' | 'pread'
  /** Byte offset of the first vector in the file. */
  readonly dataOffset: number
  readonly #file: SharedFd
  readonly #rows: RowSource
  readonly #rowBytes: number
  readonly #npyVersion: [number, number]
  readonly #syncAppends: boolean
  #length: number
  #closed = false

  /**
   * Opens `path` (mode `'r'` unless `options.mode` says otherwise). Prefer
   * {@link loadMemoryMappedVectors} and {@link createMemoryMappedVectors}.
   */
  constructor(path: string, options: OpenVectorsOptions = {}) {
    const resolved = resolveOpenOptions(path, options, 'r')
    const addon = nativeMmap()
    // checked before the file is opened: a refused backend must not truncate anything
    if (resolved.backend === 'mmap' && addon === undefined) {
      throw new UnsupportedError(
        `backend 'mmap' needs the native addon, which is not available (${mmapUnavailableReason()}); rebuild it with \`npm rebuild @sd/mmap-vectors\` (needs a C++ toolchain) or use backend 'pread'`,
        { code: 'MMAP_UNAVAILABLE', location: { file: path } },
      )
    }
    if (resolved.backend === 'mmap' && resolved.offset % 4 !== 0) throw unaligned(path, resolved.offset)
    const { file, layout } = openVectorFile(path, resolved)
    const useMmap = addon !== undefined && layout.dataOffset % 4 === 0 && resolved.backend !== 'pread'
    if (resolved.backend === 'mmap' && !useMmap) {
      file.close()
      throw unaligned(path, layout.dataOffset)
    }
    this.path = path
    this.format = layout.format
    this.mode = layout.mode
    this.dimension = layout.dimension
    this.dataOffset = layout.dataOffset
    this.#file = file
    this.#rowBytes = layout.rowBytes
    this.#npyVersion = layout.npyVersion
    this.#syncAppends = resolved.syncAppends
    this.#length = layout.length
    const length = () => this.#length
    this.#rows =
      useMmap && addon
        ? new MmapRows(addon, file, layout, length, layout.mode !== 'r')
        : new PreadRows(file, layout, length, resolved.cacheBytes, resolved.chunkBytes)
    this.backend = this.#rows.kind
  }

  /** Number of vectors. */
  get length(): number {
    return this.#length
  }

  /**
   * True when {@link MemoryMappedVectors.get}, {@link MemoryMappedVectors.slice} and batches are
   * views of the mapped file (`'mmap'`) rather than copies (`'pread'`).
   */
  get zeroCopy(): boolean {
    return this.#rows.zeroCopy
  }

  /** True after {@link MemoryMappedVectors.close}. */
  get closed(): boolean {
    return this.#closed
  }

  /**
   * Vector `i` (negative counts from the end). With `'mmap'` a view of the mapping, valid until
   * `close()` (then it is empty); with `'pread'` a copy. Writing into it never changes the file.
   */
  get(i: number): Float32Array {
    if (this.#closed) throw this.#closedError('get')
    const k = i < 0 ? i + this.#length : i
    if (!(k >= 0 && k < this.#length && Number.isInteger(k))) throw this.#badIndex(i)
    return this.#rows.row(k)
  }

  /**
   * Copies vector `i` into `out` at `outOffset` and returns `out`: no allocation, for hot loops.
   */
  readInto(i: number, out: Float32Array, outOffset = 0): Float32Array {
    if (this.#closed) throw this.#closedError('readInto')
    const k = i < 0 ? i + this.#length : i
    if (!(k >= 0 && k < this.#length && Number.isInteger(k))) throw this.#badIndex(i)
    if (!(out instanceof Float32Array) || !(outOffset >= 0 && outOffset + this.dimension <= out.length)) {
      throw new ValidationError(
        `Expected a Float32Array with room for ${this.dimension} values at offset ${outOffset}, got ${out instanceof Float32Array ? `length ${out.length}` : typeof out}`,
        { code: 'INVALID_OUTPUT', location: { file: this.path } },
      )
    }
    this.#rows.readInto(k, out, outOffset)
    return out
  }

  /**
   * Vectors `[start, end)` as one array of `(end - start) × dimension` values, with `Array.slice`
   * rules (negative counts from the end, clipped to the length). A view with `'mmap'`, a copy
   * with `'pread'`.
   */
  slice(start = 0, end = this.#length): Float32Array {
    if (this.#closed) throw this.#closedError('slice')
    const from = this.#clip(start, 'start')
    const to = this.#clip(end, 'end')
    return to > from ? this.#rows.rows(from, to - from) : new Float32Array(0)
  }

  /**
   * Copies vectors `[start, end)` into `out` from index 0, row-major, and returns how many were
   * copied (`end` is clipped to the length): the `VectorSource` interface of `@sd/core`, which
   * `@sd/knn` searches through. `out` must hold `(end - start) × dimension` values; it may live in
   * a `SharedArrayBuffer`. Large ranges are read with positional reads on both backends, so a
   * scan of a file larger than RAM leaves no mapped pages behind.
   */
  readRows(start: number, end: number, out: Float32Array): number {
    if (this.#closed) throw this.#closedError('readRows')
    const count = rowRange(this.path, start, end, out, this.#length, this.dimension)
    if (count > 0) this.#rows.readRowsInto(start, count, out)
    return count
  }

  /**
   * Appends vectors (a flat `Float32Array` of whole vectors, or one array per vector) and returns
   * the new length. Every vector is checked before anything is written; the data is written (and
   * with `syncAppends`, synced) before the new count is published in the `.npy` header, so a crash
   * in between leaves the file valid with the old count.
   */
  append(vectors: VectorsInput): number {
    if (this.#closed) throw this.#closedError('append')
    if (this.mode === 'r') {
      throw new StateError(
        `Cannot append: the file was opened read-only (mode 'r'); open it with mode 'r+'`,
        {
          code: 'READ_ONLY',
          location: { file: this.path },
        },
      )
    }
    const data = toFlatVectors(vectors, this.dimension, this.path)
    const count = data.length / this.dimension
    if (count === 0) return this.#length
    const oldLength = this.#length
    const newLength = oldLength + count
    appendRows(
      {
        file: this.#file,
        format: this.format,
        dimension: this.dimension,
        dataOffset: this.dataOffset,
        length: oldLength,
        npyVersion: this.#npyVersion,
        sync: this.#syncAppends,
      },
      data,
    )
    this.#length = newLength
    this.#rows.invalidate(oldLength)
    return newLength
  }

  /**
   * Batches of `size` vectors in file order, each one `Float32Array` (a view with `'mmap'`, a fresh
   * copy with `'pread'`), with read-ahead. The length is taken when iteration starts.
   */
  iterBatches(size: number, options: IterVectorsOptions = {}): VectorBatches {
    if (this.#closed) throw this.#closedError('iterBatches')
    assertBatchSize(size, 'size')
    const prefetch = options.prefetch ?? 2
    if (!(Number.isInteger(prefetch) && prefetch >= 0)) {
      throw new ValidationError(`prefetch must be a non-negative integer, got ${prefetch}`, {
        code: 'INVALID_OPTION',
      })
    }
    // the range is taken when a pass starts, so a pass sees the vectors appended before it
    const plan = (): BatchPlan => ({
      size,
      start: this.#clip(options.start ?? 0, 'start'),
      end: this.#clip(options.end ?? this.#length, 'end'),
      prefetch,
      signal: options.signal,
    })
    const check = () => {
      if (this.#closed) throw this.#closedError('iterBatches')
    }
    return {
      [Symbol.iterator]: () => batchesSync(this.#rows, plan(), check),
      [Symbol.asyncIterator]: () => batchesAsync(this.#rows, plan(), check),
    }
  }

  /**
   * A {@link StreamingDataset} over the vectors with an `index` column (`Int32Array`) and a
   * `vector` column: per batch one flat `Float32Array` of rows x dimension (`batch.data('vector')`
   * is a `VectorColumn`), a view of the mapping with `'mmap'`. The file stays open: close it when
   * done with the dataset. Batches are not cached (appends may change the file).
   */
  toDataset(options: VectorLoaderOptions = {}): StreamingDataset<VectorRow> {
    if (this.#closed) throw this.#closedError('toDataset')
    return new VectorLoader(() => ({ vectors: this, owned: false }), options).toDataset()
  }

  /** Page cache figures of the `'pread'` backend (`undefined` for `'mmap'` or a disabled cache). */
  cacheStats(): CacheStats | undefined {
    return this.#rows.cacheStats()
  }

  /** Syncs appended data and the header to disk (`fsync`). Nothing to do in mode `'r'`. */
  flush(): void {
    if (this.#closed) throw this.#closedError('flush')
    if (this.mode === 'r') return
    try {
      fsyncSync(this.#file.fd)
    } catch (err) {
      throw fileSystemError(err, this.path, 'sync')
    }
  }

  /**
   * Unmaps and closes the file. Views handed out by the `'mmap'` backend become empty. Calling it
   * again does nothing; any other use afterwards is a `StateError`.
   */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    try {
      this.#rows.close()
    } finally {
      this.#file.close()
    }
  }

  #clip(value: number, name: string): number {
    if (!Number.isInteger(value)) {
      throw new ValidationError(`${name} must be an integer row number, got ${value}`, {
        code: 'INVALID_INDEX',
        location: { file: this.path },
      })
    }
    const n = this.#length
    return value < 0 ? Math.max(0, n + value) : Math.min(value, n)
  }

  #badIndex(i: number): ValidationError {
    return badIndex(this.path, i, this.#length)
  }

  #closedError(operation: string): StateError {
    return closedError(this.path, operation)
  }
}
