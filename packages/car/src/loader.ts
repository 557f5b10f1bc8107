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
import type { Manifest } from './manifest.js'
import { openCar } from './open-car.js'
import { type CarLoadOptions, type ResolvedCarOptions, resolveCarOptions } from './options.js'
import { readPackedFile } from './read-packed.js'
import { type CarReadStats, readStoredBatches } from './read-stored.js'

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
  #manifest: { root: string; manifest: Manifest } | undefined

  constructor(source: string | CarReader, options: CarLoadOptions = {}) {
    super(options)
    this.source = source
    this.#car = options
    this.#resolved = resolveCarOptions(options)
  }

  /** The manifest at the CAR's root (opens the CAR the first time). */
  async getManifest(signal?: AbortSignal): Promise<Manifest> {
    return (await this.#known(signal)).manifest
  }

  /** The fields batches have (after `columns`), from the manifest; `undefined` when it names none. */
  override async getSchema(): Promise<Field[] | undefined> {
    const { schema } = await this.getManifest()
    return schema ? this.#fields(schema) : undefined
  }

  /** Throughput and cache statistics, and `car`: blocks fetched and their bytes, over all passes. */
  override getStats(): CarDatasetStats {
    return { ...super.getStats(), car: { ...this.#stats } }
  }

  /** The CAR's root CID names its content exactly: the perfect cache key. */
  protected override async cacheKey(): Promise<string | undefined> {
    const { root } = await this.#known()
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
      const manifest = await car.manifest(ctx.signal)
      this.#manifest ??= { root: String(car.roots[0]), manifest }
      const selected = this.#selected(manifest)
      const source =
        manifest.layout === 'batches'
          ? readStoredBatches(
              car,
              manifest,
              selected ?? manifest.batches.map((_, i) => i),
              this.#fields(manifest.schema),
              ctx,
              this.#stats,
            )
          : readPackedFile(car, manifest, selected, this.#resolved.columns, this.#car, ctx, this.#stats)
      yield* source as AsyncGenerator<RecordBatch<R>>
    } finally {
      if (owned) await car.close()
    }
  }

  async #known(signal?: AbortSignal): Promise<{ root: string; manifest: Manifest }> {
    if (this.#manifest) return this.#manifest
    const { car, owned } = await this.#open(signal ?? this.options.signal)
    try {
      this.#manifest = { root: String(car.roots[0]), manifest: await car.manifest(signal) }
      return this.#manifest
    } finally {
      if (owned) await car.close()
    }
  }

  async #open(signal: AbortSignal | undefined): Promise<{ car: CarReader; owned: boolean }> {
    if (typeof this.source !== 'string') return { car: this.source, owned: false }
    const { cache: _cache, signal: _signal, ...open } = this.#car as CarLoadOptions & { cache?: unknown }
    return { car: await openCar(this.source, { ...open, ...(signal ? { signal } : {}) }), owned: true }
  }

  /** The manifest batches asked for, checked against how many there are. */
  #selected(manifest: Manifest): number[] | undefined {
    const { batches } = this.#resolved
    if (!batches) return undefined
    const last = batches.at(-1)
    if (last !== undefined && last >= manifest.batches.length) {
      throw new ValidationError(
        `batches asks for batch ${last}, but the manifest has ${manifest.batches.length}`,
        {
          code: 'INVALID_OPTION',
        },
      )
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
