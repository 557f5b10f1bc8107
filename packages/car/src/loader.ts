import {
  type DatasetStats,
  type Field,
  type ReadContext,
  RecordBatch,
  type Row,
  StreamingDataLoader,
  ValidationError,
} from '@sd/core'
import type { CarReader } from './car-reader.js'
import { DAG_PB, RAW } from './cid.js'
import { CarError } from './errors.js'
import type { Manifest } from './manifest.js'
import { openCar } from './open-car.js'
import { type CarLoadOptions, type ResolvedCarOptions, resolveCarOptions } from './options.js'
import { describeBareFile, type PackedFile, readPackedFile } from './read-packed.js'
import { type CarReadStats, readStoredBatches } from './read-stored.js'

/** What a CAR holds: an sd manifest, or a bare UnixFS file (a CID added by other IPFS tools). */
type Content = { root: string; manifest: Manifest } | { root: string; bare: PackedFile }

/** {@link CarStreamingLoader}'s statistics: the usual ones, and the CAR blocks its passes fetched. */
export interface CarDatasetStats extends DatasetStats {
  car: CarReadStats
}

/**
 * Streams the dataset in a CAR, whichever layout: a file packed by {@link packFile} (read by its
 * format package, fetching only the blocks its reads cover), or the batch layout of
 * {@link writeCar} (only the blocks of the columns and batches asked for). The source is a CAR
 * path, a CAR URL, a trustless gateway URL `http(s)://host/ipfs/<cid>`, or an open
 * {@link CarReader} (left open). Every block is checked against its CID.
 */
export class CarStreamingLoader<R extends Row = Row> extends StreamingDataLoader<R, CarDatasetStats> {
  readonly source: string | CarReader
  readonly #car: CarLoadOptions
  readonly #resolved: ResolvedCarOptions
  readonly #stats: CarReadStats = { blocksRead: 0, bytesRead: 0 }
  #known: Content | undefined

  constructor(source: string | CarReader, options: CarLoadOptions = {}) {
    super(options)
    this.source = source
    this.#car = options
    this.#resolved = resolveCarOptions(options)
  }

  /** The manifest at the CAR's root (opens the CAR the first time); `CAR_NO_MANIFEST` for a bare UnixFS file. */
  async getManifest(signal?: AbortSignal): Promise<Manifest> {
    const content = await this.#described(signal)
    if ('bare' in content) {
      throw new CarError('The root is a UnixFS file, not an sd manifest', {
        code: 'CAR_NO_MANIFEST',
        cid: content.root,
      })
    }
    return content.manifest
  }

  /** The fields batches have (after `columns`), from the manifest; `undefined` when it names none. */
  override async getSchema(): Promise<Field[] | undefined> {
    const content = await this.#described()
    const schema = 'bare' in content ? undefined : content.manifest.schema
    return schema ? this.#fields(schema) : undefined
  }

  /** Throughput and cache statistics, and `car`: blocks fetched and their bytes, over all passes. */
  override getStats(): CarDatasetStats {
    return { ...super.getStats(), car: { ...this.#stats } }
  }

  /** The CAR's root CID names its content exactly: the perfect cache key. */
  protected override async cacheKey(): Promise<string | undefined> {
    const { root } = await this.#described()
    return JSON.stringify([
      'sd-car',
      root,
      this.#resolved.columns ?? null,
      this.#resolved.batches ?? null,
      this.options.batchSize,
    ])
  }

  protected override get sourceName(): string {
    return `CarStreamingLoader(${typeof this.source === 'string' ? this.source : this.source.source})`
  }

  protected async *readBatches(ctx: ReadContext): AsyncGenerator<RecordBatch<R>> {
    const { car, owned } = await this.#open(ctx.signal)
    try {
      const content = await this.#content(car, ctx.signal)
      this.#known ??= content
      const source =
        'bare' in content
          ? readPackedFile(
              car,
              content.bare,
              this.#selected(0),
              this.#resolved.columns,
              this.#car,
              ctx,
              this.#stats,
            )
          : content.manifest.layout === 'batches'
            ? readStoredBatches(
                car,
                content.manifest,
                this.#selected(content.manifest.batches.length) ?? content.manifest.batches.map((_, i) => i),
                this.#fields(content.manifest.schema),
                ctx,
                this.#stats,
              )
            : readPackedFile(
                car,
                content.manifest,
                this.#selected(content.manifest.batches.length),
                this.#resolved.columns,
                this.#car,
                ctx,
                this.#stats,
              )
      yield* source as AsyncGenerator<RecordBatch<R>>
    } finally {
      if (owned) await car.close()
    }
  }

  /** What the CAR holds, told once (opening it for that when no pass has yet). */
  async #described(signal?: AbortSignal): Promise<Content> {
    if (this.#known) return this.#known
    const { car, owned } = await this.#open(signal ?? this.options.signal)
    try {
      this.#known = await this.#content(car, signal)
      return this.#known
    } finally {
      if (owned) await car.close()
    }
  }

  /** The manifest at the root, or, for a root that is a bare UnixFS file, what its first bytes tell. */
  async #content(car: CarReader, signal: AbortSignal | undefined): Promise<Content> {
    const root = car.roots[0]
    if (root && (root.code === RAW || root.code === DAG_PB)) {
      return { root: String(root), bare: await describeBareFile(car, root, this.#car.format, signal) }
    }
    return { root: String(root), manifest: await car.manifest(signal) }
  }

  async #open(signal: AbortSignal | undefined): Promise<{ car: CarReader; owned: boolean }> {
    if (typeof this.source !== 'string') return { car: this.source, owned: false }
    const { cache: _cache, signal: _signal, ...open } = this.#car as CarLoadOptions & { cache?: unknown }
    return { car: await openCar(this.source, { ...open, ...(signal ? { signal } : {}) }), owned: true }
  }

  /** The batches asked for, checked against how many there are. */
  #selected(count: number): number[] | undefined {
    const { batches } = this.#resolved
    if (!batches) return undefined
    const last = batches.at(-1)
    if (last !== undefined && last >= count) {
      throw new ValidationError(`batches asks for batch ${last}, but the manifest has ${count}`, {
        code: 'INVALID_OPTION',
      })
    }
    return batches
  }

  /** The schema's fields after `columns` (an unknown name is `UNKNOWN_COLUMN`). */
  #fields(schema: readonly Field[]): Field[] {
    const { columns } = this.#resolved
    const all = schema.map((f) => ({ ...f }))
    return columns ? RecordBatch.empty(all).select(columns).schema : all
  }
}
