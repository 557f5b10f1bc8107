import { importPeer, type RangeReader, type ReadContext, type RecordBatch, SdError } from '@sd/core'
import type { CID } from 'multiformats/cid'
import type { CarReader } from './car-reader.js'
import type { FileFormat, FileManifest } from './manifest.js'
import type { CarLoadOptions } from './options.js'
import type { CarReadStats } from './read-stored.js'
import { SpliceReader } from './splice-reader.js'
import type { UnixFsFile } from './unixfs-file.js'

type ParquetModule = typeof import('@sd/parquet')

/** What reading a packed file needs: a manifest's file fields, or those told for a bare UnixFS file. */
export type PackedFile = Pick<FileManifest, 'file' | 'format' | 'name' | 'batches' | 'header' | 'schema'>

/**
 * The batches of a packed file, read by its format's package (an optional peer) through a
 * `RangeReader` over the UnixFS file: only the blocks the reads cover are fetched. The manifest's
 * batches pick what is read: Parquet row groups by index, CSV/NDJSON line ranges (with the CSV
 * header in front).
 */
export async function* readPackedFile(
  car: CarReader,
  manifest: PackedFile,
  selected: readonly number[] | undefined,
  columns: readonly string[] | undefined,
  options: CarLoadOptions,
  ctx: ReadContext,
  stats: CarReadStats,
): AsyncGenerator<RecordBatch> {
  const file = await car.file(manifest.file, ctx.signal)
  let counted = { requests: 0, bytesRead: 0 }
  const count = () => {
    const blocks = file.stats.requests - counted.requests
    const bytes = file.stats.bytesRead - counted.bytesRead
    counted = { requests: file.stats.requests, bytesRead: file.stats.bytesRead }
    stats.blocksRead += blocks
    stats.bytesRead += bytes
    ctx.countBytes(bytes)
  }
  const inner = {
    batchSize: ctx.batchSize,
    cacheEnabled: false,
    signal: ctx.signal,
    ...(columns ? { columns } : {}),
  }
  try {
    let batches: AsyncIterable<RecordBatch>
    switch (manifest.format) {
      case 'parquet': {
        const pq = await importPeer<ParquetModule>(
          '@sd/parquet',
          'Reading the Parquet file inside a CAR',
          () => import('@sd/parquet'),
        )
        batches = pq.loadParquet(file, {
          ...options.parquet,
          ...inner,
          ...(selected ? { rowGroups: selected } : {}),
        })
        break
      }
      case 'csv':
      case 'ndjson':
      case 'json':
        batches = await textBatches(manifest, file, selected, inner, options)
        break
      default:
        throw new SdError(
          `The CAR holds a file of no format sd reads (${manifest.name}); export it with exportFile`,
          { code: 'UNSUPPORTED', location: { file: car.source } },
        )
    }
    for await (const batch of batches) {
      count()
      yield batch
    }
    count()
  } finally {
    await file.close()
  }
}

/** A reader over the CSV header and the line ranges of the batches asked for (the whole file without a selection). */
export function selectedLines(
  manifest: PackedFile,
  file: RangeReader,
  selected: readonly number[] | undefined,
): RangeReader {
  if (!selected) return file
  const pieces: { start: number; end: number }[] = []
  if (manifest.header) pieces.push({ start: manifest.header.byteStart, end: manifest.header.byteEnd })
  for (const index of selected) {
    const batch = manifest.batches[index]
    if (batch) pieces.push({ start: batch.byteStart, end: batch.byteEnd })
  }
  return new SpliceReader(file, pieces)
}

async function textBatches(
  manifest: PackedFile,
  file: UnixFsFile,
  selected: readonly number[] | undefined,
  inner: Record<string, unknown>,
  options: CarLoadOptions,
): Promise<AsyncIterable<RecordBatch>> {
  const reader = selectedLines(manifest, file, selected)
  // the types the manifest recorded for the whole file, so a batch read alone is typed alike
  const columnTypes = <T extends string>(allowed: readonly T[], given: unknown): Record<string, T> => {
    const pinned: Record<string, T> = {}
    for (const field of manifest.schema ?? []) {
      const type = allowed.find((t) => t === field.type)
      if (type)
        Object.defineProperty(pinned, field.name, {
          value: type,
          enumerable: true,
          writable: true,
          configurable: true,
        })
    }
    return { ...pinned, ...(given as Record<string, T> | undefined) }
  }
  if (manifest.format === 'csv') {
    const csv = await importPeer<typeof import('@sd/csv')>(
      '@sd/csv',
      'Reading the CSV file inside a CAR',
      () => import('@sd/csv'),
    )
    const types = columnTypes(
      ['int32', 'int64', 'float64', 'bool', 'string'] as const,
      options.csv?.columnTypes,
    )
    return csv.loadCsv(reader, { ...options.csv, columnTypes: types, ...inner })
  }
  const json = await importPeer<typeof import('@sd/json')>(
    '@sd/json',
    'Reading the JSON file inside a CAR',
    () => import('@sd/json'),
  )
  return json.loadJson(
    reader as never,
    {
      ...options.json,
      ...inner,
      format: manifest.format === 'json' ? 'array' : 'ndjson',
    } as never,
  )
}

/**
 * What a bare UnixFS file (a root that is no sd manifest, as other IPFS tools add files) holds:
 * `format` when given, else told from its first bytes (Parquet's magic, `[` for a JSON array, `{`
 * for NDJSON). A file whose format cannot be told is `UNSUPPORTED`, asking for `format`.
 */
export async function describeBareFile(
  car: CarReader,
  root: CID,
  format: FileFormat | undefined,
  signal: AbortSignal | undefined,
): Promise<PackedFile> {
  let told = format
  if (told === undefined) {
    const file = await car.file(root, signal)
    try {
      told = sniffFormat(await file.read(0, 64 * 1024, signal))
    } finally {
      await file.close()
    }
  }
  if (told === 'none') {
    throw new SdError(
      `The file ${root} is in no format sd can tell from its bytes; pass the format option (csv, ndjson, json, parquet)`,
      {
        code: 'UNSUPPORTED',
        location: { file: car.source },
      },
    )
  }
  return {
    file: root,
    format: told,
    name: root.toString(),
    batches: [],
    header: undefined,
    schema: undefined,
  }
}

/** A format from a file's first bytes alone. */
function sniffFormat(head: Uint8Array): FileFormat {
  if (head[0] === 0x50 && head[1] === 0x41 && head[2] === 0x52 && head[3] === 0x31) return 'parquet'
  const first = new TextDecoder().decode(head.subarray(0, 64)).trimStart()[0]
  if (first === '[') return 'json'
  if (first === '{') return 'ndjson'
  return 'none'
}
