import {
  countUnitRows,
  type DatasetStats,
  type DataUnit,
  type Field,
  type ReadContext,
  RecordBatch,
  type Row,
  StreamingDataLoader,
  skipRows,
  ValidationError,
} from '@sd/core'
import type { CarReader } from './car-reader.js'
import { DAG_PB, RAW } from './cid.js'
import { CarError } from './errors.js'
import type { Manifest } from './manifest.js'
import { type CarOpenMemo, openCarAgain } from './open-car.js'
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
  /** The CAR file's layout and index from its first opening (every pass and unit opens it). */
  readonly #memo: CarOpenMemo = {}
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
      const count = 'bare' in content ? 0 : content.manifest.batches.length
      yield* this.#read(car, content, this.#selected(count), ctx)
    } finally {
      if (owned) await car.close()
    }
  }

  /**
   * The units a sharded dataset splits, from the manifest (nothing else is read): a packed file's
   * batches (Parquet row groups, CSV/NDJSON line ranges) or the stored batches of the batch layout,
   * those `batches` selects; a bare UnixFS file, or a packed file of no batches, is one unit. Ids
   * are `<root CID>#<batch>` (or the root CID), the same wherever the CAR is read from.
   */
  override async listUnits(signal?: AbortSignal): Promise<DataUnit[]> {
    const content = await this.#described(signal)
    if ('bare' in content) return [{ id: content.root }]
    const { manifest } = content
    if (manifest.layout === 'file' && manifest.batches.length === 0) {
      return [{ id: content.root, bytes: manifest.byteLength }]
    }
    const exact = manifest.layout === 'batches' || !this.#mayDropRows(manifest.format)
    const selected = this.#selected(manifest.batches.length) ?? manifest.batches.map((_, i) => i)
    return selected.map((i) => {
      const batch = manifest.batches[i] as Manifest['batches'][number]
      const unit: DataUnit = {
        id: `${content.root}#${i}`,
        rows: exact ? batch.rowEnd - batch.rowStart : undefined,
      }
      return 'byteStart' in batch ? { ...unit, bytes: batch.byteEnd - batch.byteStart } : unit
    })
  }

  /** The rows of one unit from row `offset` on: only the blocks of its batch (and a Parquet footer). */
  override async *readUnit(unit: DataUnit, offset: number, ctx: ReadContext): AsyncGenerator<RecordBatch<R>> {
    const content = await this.#described(ctx.signal)
    const selected = unitBatch(content, unit)
    const { car, owned } = await this.#open(ctx.signal)
    try {
      yield* skipRows(this.#read(car, content, selected, ctx), offset)
    } finally {
      if (owned) await car.close()
    }
  }

  /** The exact rows of a unit whose count the manifest cannot promise (a reading pass over it). */
  override countRows(unit: DataUnit, signal?: AbortSignal): Promise<number> {
    return countUnitRows((u, o, ctx) => this.readUnit(u, o, ctx), unit, this.options.batchSize, signal)
  }

  /** The batches `selected` of the content (all without a selection), read from `car`. */
  #read(
    car: CarReader,
    content: Content,
    selected: number[] | undefined,
    ctx: ReadContext,
  ): AsyncGenerator<RecordBatch<R>> {
    const { columns } = this.#resolved
    if ('bare' in content) {
      return readPackedFile(
        car,
        content.bare,
        selected,
        columns,
        this.#car,
        ctx,
        this.#stats,
      ) as AsyncGenerator<RecordBatch<R>>
    }
    const { manifest } = content
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
        : readPackedFile(car, manifest, selected, columns, this.#car, ctx, this.#stats)
    return source as AsyncGenerator<RecordBatch<R>>
  }

  /** True when the reader options given for a packed file's format may leave out some of its records. */
  #mayDropRows(format: string): boolean {
    const given = format === 'parquet' ? this.#car.parquet : format === 'csv' ? this.#car.csv : this.#car.json
    if (format === 'parquet') return given?.filters !== undefined
    return given !== undefined && Object.keys(given).length > 0
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
    const options = { ...open, ...(signal ? { signal } : {}) }
    return { car: await openCarAgain(this.source, options, this.#memo), owned: true }
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

/** The manifest batch a unit of {@link CarStreamingLoader.listUnits} names (`undefined`: the whole file). */
function unitBatch(content: Content, unit: DataUnit): number[] | undefined {
  if (unit.id === content.root) return undefined
  const match = /^(.*)#(\d+)$/.exec(unit.id)
  const count = 'bare' in content ? 0 : content.manifest.batches.length
  const index = match && match[1] === content.root ? Number(match[2]) : -1
  if (index < 0 || index >= count) {
    throw new ValidationError(
      `Expected a unit of the CAR with root ${content.root} (<root>#<batch>, ${count} batches), got "${unit.id}"`,
      { code: 'STATE_MISMATCH' },
    )
  }
  return [index]
}
