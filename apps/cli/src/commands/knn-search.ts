import { existsSync } from 'node:fs'
import { stat } from 'node:fs/promises'
import * as dagCbor from '@ipld/dag-cbor'
import { type Filter, ValidationError } from '@sd/core'
import { UsageError } from '../errors.js'
import { IoCounter } from '../io-counter.js'
import { jsonText, print, table } from '../output.js'
import { jsonValue } from '../parsers.js'
import { withProgress } from '../progress.js'

/** Options of `sd knn search`. */
export interface KnnSearchOptions {
  query: string
  k: number
  filter?: Filter
  nprobe?: number
  json?: boolean
  /** No progress on stderr (the results still print). */
  quiet?: boolean
}

interface Hit {
  index: number
  score: number
  metadata: unknown
}

/**
 * `sd knn search <index.car> --query <json|file>`: the k nearest rows of a saved index (exact or
 * IVF, told by its manifest) for one query (`[0.1, 0.2, ...]`) or several (`[[...], [...]]`, or
 * a `.npy` / raw float32 file of rows), best first, optionally only among rows whose metadata
 * match `--filter`.
 */
export async function knnSearch(indexPath: string, options: KnnSearchOptions): Promise<void> {
  const kind = await indexKind(indexPath)
  const { IvfIndex, KnnIndex } = await import('@sd/knn')
  // an exact index reads all its rows; an IVF index checks its blocks and keeps the rows in the file
  const io = new IoCounter()
  const totalBytes = (await stat(indexPath)).size
  const progress = {
    totalBytes,
    quiet: options.quiet === true || options.json === true,
    // the CAR's block index is read first, then the blocks: a little more than the file in all
    poll: () => ({ bytes: Math.min(totalBytes, io.now().read) }),
  }
  const index = await withProgress(
    `loading ${indexPath}`,
    progress,
    (): Promise<InstanceType<typeof IvfIndex> | InstanceType<typeof KnnIndex>> =>
      kind === 'ivf' ? IvfIndex.load(indexPath) : KnnIndex.load(indexPath),
  )
  try {
    const queries = await readQueries(options.query, index.dimension)
    const search = { ...(options.filter ? { filter: options.filter } : {}) }
    let results: Hit[][]
    if (index instanceof IvfIndex) {
      const ivf = { ...search, ...(options.nprobe ? { nprobe: options.nprobe } : {}) }
      results = await index.searchBatch(queries, options.k, ivf)
    } else {
      if (options.nprobe !== undefined)
        throw new UsageError('--nprobe applies to IVF indexes; this one is exact')
      results = await index.searchBatch(queries, options.k, search)
    }
    if (options.json) {
      print(jsonText(results.map((hits, query) => ({ query, results: hits }))))
      return
    }
    const rows: string[][] = []
    results.forEach((hits, query) => {
      hits.forEach((hit, rank) => {
        rows.push([
          String(query),
          String(rank + 1),
          String(hit.index),
          hit.score.toPrecision(6),
          jsonText(hit.metadata, 0),
        ])
      })
    })
    print(
      table(['query', 'rank', 'index', 'score', 'metadata'], rows, [
        'right',
        'right',
        'right',
        'right',
        'left',
      ]),
    )
  } finally {
    await index.close()
  }
}

/** `'knn'` or `'ivf'`, from the index's manifest (the CAR's root block). */
async function indexKind(path: string): Promise<string> {
  const { openCar } = await import('@sd/car')
  const car = await openCar(path)
  try {
    const root = car.roots[0]
    const manifest = root ? (dagCbor.decode(await car.get(root)) as Record<string, unknown> | null) : null
    if (manifest?.format !== 'sd-knn-index') {
      throw new ValidationError(`Expected a saved @sd/knn index (sd knn build makes one), got another CAR`, {
        code: 'KNN_BAD_SAVE',
        location: { file: path },
      })
    }
    return String(manifest.kind)
  } finally {
    await car.close()
  }
}

/** Queries from JSON (one vector or a list of them, inline or in a file) or a vector file. */
async function readQueries(query: string, dimension: number): Promise<Float32Array[]> {
  if (existsSync(query) && /\.(npy|f32|fvecs32|vec)$/i.test(query)) {
    const { loadMemoryMappedVectors } = await import('@sd/mmap-vectors')
    const vectors = loadMemoryMappedVectors(query, /\.npy$/i.test(query) ? {} : { dimension })
    try {
      return Array.from({ length: vectors.length }, (_, i) => Float32Array.from(vectors.get(i)))
    } finally {
      vectors.close()
    }
  }
  const value = jsonValue(query)
  const isVector = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => typeof x === 'number')
  if (isVector(value)) return [Float32Array.from(value)]
  if (Array.isArray(value) && value.length > 0 && value.every(isVector))
    return value.map((v) => Float32Array.from(v))
  throw new UsageError(
    '--query must be a vector [0.1, ...], a list of vectors [[...], ...], or a .npy/.f32 file',
  )
}
