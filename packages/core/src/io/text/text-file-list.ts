import { FormatError, isSdError, ValidationError } from '../../errors.js'
import type { RecordStats } from '../../instruments.js'
import { StreamingDataLoader } from '../../loader.js'
import type { LoaderOptions } from '../../options.js'
import type { ReadContext } from '../../pass.js'
import type { RecordBatch, Row } from '../../record-batch.js'
import type { Field } from '../../schema.js'
import { countUnitRows, skipRows } from '../../shard/unit-rows.js'
import type { DataUnit } from '../../shard/units.js'
import { isFolder, listFolder } from '../folder-list.js'
import { type ByteSource, checkByteSource, sourceLocation, sourceName } from './byte-source.js'
import type { ResolvedRemoteOptions } from './remote-options.js'
import type { TextStreamingLoader } from './text-loader.js'

/** Sources a text loader reads as several files: a list, a local folder, an `s3://` or scheme folder. */
export type TextSources = ByteSource | readonly ByteSource[]

/**
 * True when `source` is read as several files: an array, a local directory, or an `s3://` (or
 * registered scheme) URL ending with `/`. Anything else is one file.
 */
export function isFileList(source: TextSources): source is readonly ByteSource[] | string {
  return Array.isArray(source) || (typeof source === 'string' && isFolder(source))
}

/** How a {@link TextFileListLoader} reads its files. */
export interface TextFileListSpec {
  /** File name endings a folder's files must have (`['.csv', '.csv.gz']`). */
  suffixes: readonly string[]
  /** The files' kind for messages (`'*.csv'`). */
  what: string
  /**
   * A loader for one file. Every file after the first gets the first file's schema, so that the
   * columns and their types stay the same across files (the loader fixes its types from it).
   */
  open(source: ByteSource, first: readonly Field[] | undefined): TextStreamingLoader
  /** How a remote folder (`s3://bucket/prefix/`, a scheme folder) is listed: HTTP and S3 options. */
  remote?: ResolvedRemoteOptions | undefined
}

/** The unit of a file whose loader lists none: the whole file. */
const WHOLE_FILE = 'whole'

interface Part {
  source: ByteSource
  /** Names the file in unit ids: its path below the folder, or its last path segment. */
  id: string
}

/**
 * A text dataset made of several files, read one after the other as one dataset: a list of
 * sources, a local folder, an `s3://bucket/prefix/` or a registered scheme folder (each file
 * matching `spec.suffixes`, in path order). The first file decides the columns and their types;
 * every later file is read with them, and one whose columns differ is a `FormatError`
 * (`SCHEMA_MISMATCH`) naming it. Units (for `shard`, `shuffle`, `resume`) are each file's units,
 * named `<file>#<unit>`.
 */
export class TextFileListLoader extends StreamingDataLoader<Row, RecordStats> {
  readonly #given: readonly ByteSource[]
  readonly #spec: TextFileListSpec
  #parts: Promise<Part[]> | undefined
  readonly #loaders = new Map<number, Promise<TextStreamingLoader>>()
  readonly #opened: TextStreamingLoader[] = []
  #units: Map<string, { part: number; inner: DataUnit }> | undefined
  #first: Promise<Field[]> | undefined

  constructor(sources: readonly ByteSource[] | string, spec: TextFileListSpec, options: LoaderOptions = {}) {
    super(options)
    const given = typeof sources === 'string' ? [sources] : [...sources]
    for (const source of given) checkByteSource(source)
    this.#given = given
    this.#spec = spec
  }

  /** Records skipped and values nulled, over every file read. */
  override getStats(): RecordStats {
    const counters = { skippedRecords: 0, nulledValues: 0 }
    for (const loader of this.#opened) {
      counters.skippedRecords += loader.skippedRecords
      counters.nulledValues += loader.nulledValues
    }
    return { ...super.getStats(), ...counters }
  }

  protected override get sourceName(): string {
    return `${this.constructor.name}(${this.#given.map(sourceName).join(', ')})`
  }

  override async getSchema(): Promise<Field[] | undefined> {
    return this.#firstSchema()
  }

  protected async *readBatches(ctx: ReadContext): AsyncGenerator<RecordBatch> {
    const parts = await this.#files(ctx.signal)
    for (let i = 0; i < parts.length; i++) yield* (await this.#loader(i)).readWithin(ctx)
  }

  override async listUnits(signal?: AbortSignal): Promise<DataUnit[]> {
    const parts = await this.#files(signal)
    const units = new Map<string, { part: number; inner: DataUnit }>()
    const out: DataUnit[] = []
    for (let i = 0; i < parts.length; i++) {
      const loader = await this.#loader(i)
      const inner = (await loader.listUnits?.(signal)) ?? [{ id: WHOLE_FILE }]
      for (const unit of inner) {
        const id = `${(parts[i] as Part).id}#${unit.id}`
        units.set(id, { part: i, inner: unit })
        out.push({ id, rows: unit.rows, bytes: unit.bytes })
      }
    }
    this.#units = units
    return out
  }

  override async *readUnit(unit: DataUnit, offset: number, ctx: ReadContext): AsyncGenerator<RecordBatch> {
    const { loader, inner } = await this.#unit(unit, ctx.signal)
    const read = loader.readUnit
    if (read === undefined) yield* skipRows(loader.readWithin(ctx), offset)
    else yield* read.call(loader, inner, offset, ctx)
  }

  override async countRows(unit: DataUnit, signal?: AbortSignal): Promise<number> {
    const { loader, inner } = await this.#unit(unit, signal)
    if (loader.countRows !== undefined) return loader.countRows(inner, signal)
    return countUnitRows((u, o, ctx) => this.readUnit(u, o, ctx), unit, this.options.batchSize, signal)
  }

  async #unit(
    unit: DataUnit,
    signal: AbortSignal | undefined,
  ): Promise<{ loader: TextStreamingLoader; inner: DataUnit }> {
    if (this.#units === undefined) await this.listUnits(signal)
    const found = this.#units?.get(unit.id)
    if (found === undefined)
      throw new ValidationError(`Expected a unit of this dataset, got "${unit.id}"`, {
        code: 'STATE_MISMATCH',
      })
    return { loader: await this.#loader(found.part), inner: found.inner }
  }

  /** The files, folders expanded (once). */
  #files(signal: AbortSignal | undefined): Promise<Part[]> {
    this.#parts ??= forgetOnFailure(this.#expand(signal), () => {
      this.#parts = undefined
    })
    return this.#parts
  }

  async #expand(signal: AbortSignal | undefined): Promise<Part[]> {
    const parts: Part[] = []
    for (const source of this.#given) {
      if (typeof source === 'string' && isFolder(source)) {
        const remote = this.#spec.remote
        const files = await listFolder(source, {
          ...remote?.http,
          ...(remote?.s3 ? { s3: remote.s3 } : {}),
          suffixes: this.#spec.suffixes,
          what: this.#spec.what,
          signal,
        })
        for (const file of files) parts.push({ source: file.name, id: file.below })
      } else parts.push({ source, id: lastSegment(sourceName(source)) })
    }
    // two given files with the same name in different folders still get distinct ids
    const seen = new Map<string, number>()
    for (const part of parts) seen.set(part.id, (seen.get(part.id) ?? 0) + 1)
    parts.forEach((part, i) => {
      if ((seen.get(part.id) ?? 0) > 1) part.id = `${i}:${part.id}`
    })
    return parts
  }

  /** The loader of file `i`, made once; every file after the first is checked against the first. */
  #loader(i: number): Promise<TextStreamingLoader> {
    let made = this.#loaders.get(i)
    if (made === undefined) {
      made = forgetOnFailure(this.#make(i), () => this.#loaders.delete(i))
      this.#loaders.set(i, made)
    }
    return made
  }

  async #make(i: number): Promise<TextStreamingLoader> {
    const parts = await this.#files(undefined)
    const part = parts[i] as Part
    if (i === 0) return this.#keep(this.#spec.open(part.source, undefined))
    const first = await this.#firstSchema()
    const loader = this.#keep(this.#spec.open(part.source, first))
    const name = sourceName(part.source)
    const mismatch = (got: string, cause?: unknown) =>
      new FormatError(`Expected the columns of the first file (${describe(first)}), got ${got}`, {
        code: 'SCHEMA_MISMATCH',
        location: sourceLocation(name),
        ...(cause === undefined ? {} : { cause }),
      })
    // a loader that knows its schema only from data (JSON) was given the first file's columns
    let schema: Field[]
    try {
      schema = (await loader.getSchema()) ?? first
    } catch (err) {
      // the first file's columns, fixed for this one, are not all there
      if (isSdError(err) && err.code === 'UNKNOWN_COLUMN') throw mismatch(err.message, err)
      throw err
    }
    // an empty file has no columns, and no rows to disagree
    if (schema.length > 0 && first.length > 0 && !sameColumns(schema, first)) throw mismatch(describe(schema))
    return loader
  }

  /** The first file's columns: from its header, or from its first batch. */
  #firstSchema(): Promise<Field[]> {
    this.#first ??= forgetOnFailure(
      (async () => {
        const known = await (await this.#loader(0)).getSchema()
        if (known !== undefined) return known
        // a loader of its own reads the first batch, so the file's counters count its records once
        const part = (await this.#files(undefined))[0] as Part
        return this.#spec.open(part.source, undefined).toDataset().schema()
      })(),
      () => {
        this.#first = undefined
      },
    )
    return this.#first
  }

  #keep(loader: TextStreamingLoader): TextStreamingLoader {
    this.#opened.push(loader)
    return loader
  }
}

/** `promise`, calling `forget` when it rejects (so an aborted or failed step is tried again next time). */
function forgetOnFailure<T>(promise: Promise<T>, forget: () => void): Promise<T> {
  promise.catch(forget)
  return promise
}

/** Same names and types in order; nullability may differ from file to file (`schemasEqual` checks it too). */
function sameColumns(a: readonly Field[], b: readonly Field[]): boolean {
  return a.length === b.length && a.every((f, i) => f.name === b[i]?.name && f.type === b[i]?.type)
}

function describe(fields: readonly Field[]): string {
  const text = fields.map((f) => `${f.name}: ${f.type}`).join(', ')
  return text.length > 200 ? `${text.slice(0, 200)}...` : text
}

function lastSegment(name: string): string {
  const cut = name.replace(/[/\\]+$/, '')
  return cut.slice(Math.max(cut.lastIndexOf('/'), cut.lastIndexOf('\\')) + 1) || name
}
