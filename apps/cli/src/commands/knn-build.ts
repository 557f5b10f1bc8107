import { ValidationError } from '@sd/core'
import { UsageError } from '../errors.js'
import { checkVectorDimension, locate } from '../formats.js'
import { IoCounter } from '../io-counter.js'
import { jsonText, print } from '../output.js'
import { withProgress } from '../progress.js'
import { openInput } from '../source.js'
import { formatCount, formatSeconds } from '../units.js'

/** Options of `sd knn build`. */
export interface KnnBuildOptions {
  out: string
  metric?: string
  ivf?: number
  dimension?: number
  metadata?: string
  sample?: number
  seed?: number
  json?: boolean
  quiet?: boolean
}

/** Bytes of vectors at most held as the IVF training sample. */
const SAMPLE_BYTES = 256 * 1024 * 1024
const METRICS = ['cosine', 'euclidean', 'dot'] as const

/**
 * `sd knn build <vectors> --out <index.car>`: an exact index (the vectors as they are, read in
 * tiles) or, with `--ivf N`, an IVF index of N lists trained by k-means on an even sample; saved as
 * a CAR plus a `.npy` beside it. `--metadata` names a table (Parquet, CSV, NDJSON) with one row per
 * vector, for `sd knn search --filter`.
 */
export async function knnBuild(vectorsPath: string, options: KnnBuildOptions): Promise<void> {
  const started = performance.now()
  const metric = (options.metric ?? 'cosine') as (typeof METRICS)[number]
  if (!METRICS.includes(metric)) {
    throw new UsageError(`--metric must be one of ${METRICS.join(', ')}, got "${options.metric}"`)
  }
  const vectorsAt = locate(vectorsPath, 'vectors', '--from')
  if (vectorsAt.kind !== 'file') throw new UsageError('The vectors must be a local .npy or raw float32 file')
  checkVectorDimension(vectorsPath, options.dimension)
  if (!/\.car$/i.test(options.out)) throw new UsageError(`--out must name a .car file, got ${options.out}`)
  const quiet = options.quiet === true || options.json === true
  const { loadMemoryMappedVectors } = await import('@sd/mmap-vectors')
  const { IvfIndex, KnnIndex } = await import('@sd/knn')
  const vectors = loadMemoryMappedVectors(
    vectorsPath,
    options.dimension === undefined ? {} : { dimension: options.dimension },
  )
  try {
    const metadata = options.metadata ? await readMetadata(options.metadata, quiet) : undefined
    const rows = vectors.length
    const d = vectors.dimension
    if (metadata && metadata.length !== rows) {
      throw new ValidationError(
        `Expected one metadata row per vector: ${vectorsPath} holds ${rows} vectors, ${options.metadata} ${metadata.length} rows`,
        { code: 'KNN_METADATA_COUNT', location: { file: options.metadata as string } },
      )
    }
    let saved: Awaited<ReturnType<InstanceType<typeof KnnIndex>['save']>>
    /** Saving writes the rows twice (the CAR's blocks and the `.npy`): progress by bytes written. */
    const save = (index: { save(path: string): Promise<typeof saved> }) => {
      const io = new IoCounter()
      const totalBytes = 2 * rows * d * 4
      const poll = () => ({ bytes: Math.min(totalBytes, io.now().write) })
      return withProgress(`saving ${options.out}`, { totalBytes, quiet, poll }, () => index.save(options.out))
    }
    if (options.ivf === undefined) {
      const index = KnnIndex.fromVectors(vectors, { metric, ...(metadata ? { metadata } : {}) })
      try {
        saved = await save(index)
      } finally {
        await index.close()
      }
    } else {
      const nlist = options.ivf
      if (nlist > rows) throw new UsageError(`--ivf ${nlist} asks for more lists than the ${rows} vectors`)
      const index = new IvfIndex({ dimension: d, metric, nlist })
      try {
        const sampleRows = Math.min(
          rows,
          Math.max(
            nlist,
            options.sample ?? Math.min(Math.max(nlist * 64, 10_000), Math.floor(SAMPLE_BYTES / (d * 4))),
          ),
        )
        const sample = evenSample(vectors, sampleRows)
        // progress in vectors assigned to their nearest centroid: the sample once per iteration
        const iterations = 10
        await withProgress(
          `training ${formatCount(nlist)} lists on ${formatCount(sampleRows)} vectors`,
          { totalRows: sampleRows * iterations, quiet },
          (progress) =>
            index.train(sample, {
              iterations,
              ...(options.seed === undefined ? {} : { seed: options.seed }),
              onProgress: (done) => progress.update({ rows: done * sampleRows }),
            }),
        )
        await withProgress(`adding ${vectorsPath}`, { totalRows: rows, quiet }, async (progress) => {
          let done = 0
          for (const batch of vectors.iterBatches(65_536)) {
            const n = batch.length / d
            await index.addVectors(batch, metadata?.slice(done, done + n))
            done += n
            progress.update({ rows: done, bytes: done * d * 4 })
          }
        })
        saved = await save(index)
      } finally {
        await index.close()
      }
    }
    const result = {
      out: saved.car,
      npy: saved.npy,
      root: saved.root,
      kind: options.ivf === undefined ? 'knn' : 'ivf',
      rows,
      dimension: d,
      metric,
      ...(options.ivf === undefined ? {} : { nlist: options.ivf }),
      seconds: (performance.now() - started) / 1000,
    }
    if (options.json) print(jsonText(result))
    else if (!options.quiet) {
      print(
        `${saved.car}: ${result.kind} index of ${formatCount(rows)} x ${d} (${metric}), root ${saved.root}, in ${formatSeconds(result.seconds)}\n${saved.npy}: the same rows for NumPy`,
      )
    }
  } finally {
    vectors.close()
  }
}

/** `count` rows spread evenly over the file (the first of each stride). */
function evenSample(
  vectors: {
    length: number
    dimension: number
    readRows(start: number, end: number, out: Float32Array): number
  },
  count: number,
): Float32Array {
  const d = vectors.dimension
  const out = new Float32Array(count * d)
  const stride = vectors.length / count
  const row = new Float32Array(d)
  for (let i = 0; i < count; i++) {
    const at = Math.floor(i * stride)
    vectors.readRows(at, at + 1, row)
    out.set(row, i * d)
  }
  return out
}

/** One plain, JSON-like object per row of a table (dates as ISO text, safe int64 as numbers). */
async function readMetadata(path: string, quiet: boolean): Promise<Record<string, unknown>[]> {
  const input = await openInput(locate(path, undefined, '--from'), { batchSize: 65_536 })
  const progress = { totalBytes: input.totalBytes, totalRows: input.totalRows, quiet, poll: input.progress }
  try {
    return await withProgress(`reading ${path}`, progress, async () => {
      const rows: Record<string, unknown>[] = []
      for await (const row of input.dataset.rows()) rows.push(plain(row) as Record<string, unknown>)
      return rows
    })
  } finally {
    await input.close?.()
  }
}

function plain(value: unknown): unknown {
  if (value === null || value === undefined) return null
  if (typeof value === 'bigint')
    return value >= Number.MIN_SAFE_INTEGER && value <= Number.MAX_SAFE_INTEGER ? Number(value) : value
  if (typeof value === 'number') return Number.isFinite(value) ? value : null
  if (value instanceof Date) return value.toISOString()
  if (value instanceof Uint8Array) return value
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<number>, (v) => plain(v))
  if (Array.isArray(value)) return value.map(plain)
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value))
      Object.defineProperty(out, k, { value: plain(v), enumerable: true, writable: true, configurable: true })
    return out
  }
  return value
}
