import { readFileSync } from 'node:fs'
import type { LoadVectorsFn, VectorFile } from './packages.js'
import type { PassMeasure } from './pass.js'
import { quantile } from './stats.js'
import type { DatasetInfo } from './types.js'

/** How one vector pass reads the file. */
export interface VectorPassOptions {
  backend: 'mmap' | 'pread' | 'whole-file'
  access: 'sequential' | 'random'
  /** Vectors per timed block (the "batch" of the batch-time figures). */
  blockSize: number
  /** `loadMemoryMappedVectors`; needed for `mmap` and `pread`. */
  load?: LoadVectorsFn
}

/**
 * The order of reads: 0..n-1, or n indices drawn uniformly at random (deterministic, so every
 * backend reads the same vectors). Built before timing starts.
 */
export function readOrder(n: number, access: 'sequential' | 'random'): Uint32Array {
  const order = new Uint32Array(n)
  let state = 0x9e3779b9
  for (let k = 0; k < n; k++) {
    if (access === 'sequential') {
      order[k] = k
      continue
    }
    // xorshift32: a fixed seed, so every backend and every run reads the same vectors
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    order[k] = (state >>> 0) % n
  }
  return order
}

/** A vector source opened for one pass: a read into the consumer's buffer, and a close. */
interface Opened {
  length: number
  dimension: number
  read: (index: number, out: Float32Array) => void
  close: () => unknown
}

function openWholeFile(dataset: DatasetInfo): Opened {
  const dimension = dataset.dimension ?? 0
  const bytes = readFileSync(dataset.path)
  const start = bytes.byteOffset + (dataset.headerBytes ?? 0)
  const length = Math.floor((bytes.length - (dataset.headerBytes ?? 0)) / (dimension * 4))
  const all =
    start % 4 === 0
      ? new Float32Array(bytes.buffer, start, length * dimension)
      : new Float32Array(bytes.buffer.slice(start, start + length * dimension * 4))
  return {
    length,
    dimension,
    read: (index, out) => out.set(all.subarray(index * dimension, (index + 1) * dimension)),
    close: () => undefined,
  }
}

async function openPackage(dataset: DatasetInfo, options: VectorPassOptions): Promise<Opened> {
  if (!options.load) throw new Error(`the ${options.backend} backend needs @sd/mmap-vectors`)
  const backend = options.backend === 'whole-file' ? 'auto' : options.backend
  const file: VectorFile = await options.load(dataset.path, {
    ...(dataset.dimension === undefined ? {} : { dimension: dataset.dimension }),
    mode: 'r',
    backend,
  })
  const readInto = file.readInto?.bind(file)
  return {
    length: file.length,
    dimension: file.dimension,
    read: readInto ? (index, out) => void readInto(index, out) : (index, out) => out.set(file.get(index)),
    close: () => file.close(),
  }
}

/**
 * One pass reading `count` vectors in the given order into one consumer buffer, timed by the
 * harness (open included: the whole-file backend pays its read up front).
 */
export async function vectorPass(
  dataset: DatasetInfo,
  options: VectorPassOptions,
  order: Uint32Array,
): Promise<PassMeasure> {
  const t0 = performance.now()
  const source =
    options.backend === 'whole-file' ? openWholeFile(dataset) : await openPackage(dataset, options)
  const blockMs: number[] = []
  let firstMs: number | undefined
  let checksum = 0
  try {
    if (source.length < order.length) {
      throw new Error(`expected ${order.length} vectors, the file opened with ${source.length}`)
    }
    const out = new Float32Array(source.dimension)
    let blockStart = performance.now()
    for (let k = 0; k < order.length; k++) {
      source.read(order[k] as number, out)
      checksum += out[0] as number
      if (k === 0) firstMs = performance.now() - t0
      if ((k + 1) % options.blockSize === 0 || k === order.length - 1) {
        const now = performance.now()
        blockMs.push(now - blockStart)
        blockStart = now
      }
    }
  } finally {
    await source.close()
  }
  if (!Number.isFinite(checksum))
    throw new Error(`vector reads returned non-finite values (checksum ${checksum})`)
  const measure: PassMeasure = {
    seconds: (performance.now() - t0) / 1000,
    records: order.length,
    batchTimesFrom: 'harness',
    p50BatchMs: quantile(blockMs, 0.5),
    p95BatchMs: quantile(blockMs, 0.95),
  }
  if (firstMs !== undefined) measure.timeToFirstBatchMs = firstMs
  return measure
}
