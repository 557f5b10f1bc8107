import {
  countUnitRows,
  type DataUnit,
  hasUnits,
  mapConcurrent,
  type RangeReader,
  type ReadContext,
  type RecordBatch,
  skipRows,
  type UnitSource,
  ValidationError,
} from '@sd/core'
import { countingReader } from './file-chain.js'
import { openParquet } from './parquet-files.js'
import { formatPeer } from './peers.js'
import type { ResolvedSplit, SplitFile } from './resolve.js'
import type { SplitRead } from './split-read.js'
import { filtered, readTextFiles, type TextFormat, textLoaderFactory, textRead } from './text-files.js'

/** Files whose footers (or first bytes) are read at once while units are listed. */
const LIST_CONCURRENCY = 8

/** One unit of a split: the file it lies in, and the format package's unit inside it (none: the whole file). */
interface SplitUnit {
  file: SplitFile
  inner: DataUnit | undefined
  source: UnitSource | undefined
}

/**
 * The units of a hub split, for `shard()`, `shuffle()` and `resume()`: the row groups of Parquet
 * files and the line-aligned byte ranges of CSV and JSON Lines files, as the format package that
 * reads the file lists them (a file it cannot split, such as gzip or plain text, is one unit).
 * Unit ids are the file's path in the repository followed by the format package's part
 * (`data/train-00000-of-00004.parquet#3`), the same on every machine for the same commit.
 *
 * Every file is opened once, when the units are first listed, and kept open for later passes
 * (a hub file is a range reader over HTTP: nothing is held but its footer).
 */
export class SplitUnits {
  readonly #read: SplitRead
  readonly #split: ResolvedSplit
  readonly #batchSize: number
  #units: Promise<Map<string, SplitUnit>> | undefined
  /** The pass being read, whose statistics count the bytes read from the hub. */
  #ctx: ReadContext | undefined

  constructor(read: SplitRead, split: ResolvedSplit, batchSize: number) {
    this.#read = read
    this.#split = split
    this.#batchSize = batchSize
  }

  /** The split's units, in file order and, within a file, in the format package's order. */
  async listUnits(signal?: AbortSignal): Promise<DataUnit[]> {
    const units = await this.#list(signal)
    return [...units.entries()].map(([id, u]) => ({
      id,
      rows: u.inner ? u.inner.rows : undefined,
      bytes: u.inner ? u.inner.bytes : u.file.size,
    }))
  }

  /** The rows of one unit from row `offset` on (after the split's `filters`). */
  async *readUnit(unit: DataUnit, offset: number, ctx: ReadContext): AsyncGenerator<RecordBatch> {
    const found = (await this.#list(ctx.signal)).get(unit.id)
    if (found === undefined) {
      throw new ValidationError(
        `Expected unit "${unit.id}" in Hugging Face dataset "${this.#split.dataset}" at ${this.#split.revision}; it has none of that name`,
        { code: 'STATE_MISMATCH' },
      )
    }
    this.#ctx = ctx
    const read = this.#read
    if (found.source === undefined || found.inner === undefined) {
      // only text files are read whole (every Parquet file has row groups as units)
      const whole = readTextFiles({ ...read, files: [found.file] }, this.#split.format as TextFormat, ctx)
      yield* skipRows(whole, offset)
      return
    }
    if (this.#split.format === 'parquet') {
      // filters and columns are the Parquet loader's own: the offset counts rows after them
      yield* found.source.readUnit(found.inner, offset, ctx)
      return
    }
    if (textRead(read).filter === undefined) {
      yield* found.source.readUnit(found.inner, offset, ctx)
      return
    }
    yield* skipRows(filtered(found.source.readUnit(found.inner, 0, ctx), read), offset)
  }

  /** The exact rows of a unit whose count the listing did not know, by reading it. */
  countRows(unit: DataUnit, signal?: AbortSignal): Promise<number> {
    return countUnitRows((u, o, ctx) => this.readUnit(u, o, ctx), unit, this.#batchSize, signal)
  }

  #list(signal: AbortSignal | undefined): Promise<Map<string, SplitUnit>> {
    if (this.#units === undefined) {
      const listed = this.#listFiles(signal)
      this.#units = listed
      // a failure (a network error) is not kept: the next pass lists again
      listed.catch(() => {
        if (this.#units === listed) this.#units = undefined
      })
    }
    return this.#units
  }

  async #listFiles(signal: AbortSignal | undefined): Promise<Map<string, SplitUnit>> {
    const perFile = await mapConcurrent(this.#split.files, LIST_CONCURRENCY, (file) =>
      this.#fileUnits(file, signal),
    )
    const units = new Map<string, SplitUnit>()
    for (const list of perFile) for (const [id, unit] of list) units.set(id, unit)
    return units
  }

  /** The units of one file, from the format package's loader over it (opened here, kept open). */
  async #fileUnits(file: SplitFile, signal: AbortSignal | undefined): Promise<[string, SplitUnit][]> {
    const read = this.#read
    const format = this.#split.format
    if (format === 'txt') return [[file.path, { file, inner: undefined, source: undefined }]]
    const opened = await read.hubFiles.open(file, read.cache, signal)
    const reader = countingReader(opened, (bytes) => {
      read.countBytes(bytes)
      this.#ctx?.countBytes(bytes)
    })
    try {
      const source = await this.#fileSource(reader, signal)
      if (source === undefined) {
        await reader.close()
        return [[file.path, { file, inner: undefined, source: undefined }]]
      }
      const inner = await source.listUnits(signal)
      return inner.map((u) => [unitId(file, u), { file, inner: u, source }])
    } catch (err) {
      await reader.close()
      throw err
    }
  }

  async #fileSource(reader: RangeReader, signal: AbortSignal | undefined): Promise<UnitSource | undefined> {
    const read = this.#read
    if (this.#split.format === 'parquet') {
      const pq = await formatPeer('@sd/parquet', read.dataset)
      return openParquet(pq, reader, read, this.#batchSize, signal)
    }
    const make = await textLoaderFactory(read, this.#split.format)
    const loader: unknown = make(reader, this.#batchSize, textRead(read).wanted)
    return hasUnits(loader) ? loader : undefined
  }
}

/** `file`'s path in the repository with the part of the format package's unit id after its name. */
function unitId(file: SplitFile, unit: DataUnit): string {
  const base = file.path.slice(file.path.lastIndexOf('/') + 1)
  return unit.id.startsWith(base) ? file.path + unit.id.slice(base.length) : `${file.path}#${unit.id}`
}
