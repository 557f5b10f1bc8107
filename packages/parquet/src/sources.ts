import { stat } from 'node:fs/promises'
import {
  fileSystemError,
  type HttpOptions,
  isRemoteFolder,
  isRemoteSource,
  listFolder,
  type RangeReader,
  type S3Options,
  throwIfAborted,
  ValidationError,
} from '@sd/core'
import type { ParquetSource } from './options.js'

/** One Parquet file to read, before its footer is known. */
export interface SourceEntry {
  /** Path or URL (a range reader's `name`). */
  name: string
  /** Read over the network (a URL, or a reader whose name is a URL): larger, coalesced reads. */
  remote: boolean
  /** Size and ETag when a listing told them (saves a request per object). */
  known?: { byteLength: number; etag: string }
  /** The caller's range reader, when the source handed one: read through it, never closed here. */
  reader?: RangeReader
  /** Hive-style `key=value` folder segments between the directory and the file, outermost first. */
  partition: [key: string, value: string][]
}

/** The files of a source, in read order. */
export interface ResolvedSource {
  /** The source as a string, for metadata and messages. */
  label: string
  isDirectory: boolean
  entries: SourceEntry[]
}

type SourceItem = string | URL | RangeReader

/** True for a core `RangeReader` (anything with `read`, `close`, a `name` and a `byteLength`). */
export function isRangeReader(value: unknown): value is RangeReader {
  if (typeof value !== 'object' || value === null) return false
  const r = value as Partial<RangeReader>
  return (
    typeof r.read === 'function' &&
    typeof r.close === 'function' &&
    typeof r.name === 'string' &&
    typeof r.byteLength === 'number'
  )
}

function items(source: ParquetSource): readonly SourceItem[] {
  return typeof source === 'string' || source instanceof URL || isRangeReader(source)
    ? [source]
    : (source as readonly SourceItem[])
}

function itemLabel(item: SourceItem): string {
  if (typeof item === 'string') return item
  return item instanceof URL ? item.href : item.name
}

/** The source as a string (paths, URLs and reader names joined with `, `). */
export function sourceLabel(source: ParquetSource): string {
  return items(source).map(itemLabel).join(', ')
}

/** Checks the shape of a source without touching the file system (for constructors). */
export function checkSource(source: ParquetSource): void {
  const list = items(source)
  if (!Array.isArray(list)) {
    throw new ValidationError(
      `Expected a path, a URL, a RangeReader or an array of them as the source, got ${typeof source}`,
      { code: 'INVALID_SOURCE' },
    )
  }
  if (list.length === 0) {
    throw new ValidationError('Expected at least one path, URL or RangeReader, got an empty array', {
      code: 'INVALID_SOURCE',
    })
  }
  for (const item of list) {
    if (isRangeReader(item)) {
      if (!(Number.isInteger(item.byteLength) && item.byteLength >= 0)) {
        throw new ValidationError(
          `Expected a RangeReader with a byteLength >= 0, got ${item.byteLength} for ${item.name}`,
          { code: 'INVALID_SOURCE' },
        )
      }
      continue
    }
    if (!(item instanceof URL) && (typeof item !== 'string' || item.length === 0)) {
      throw new ValidationError(
        `Expected a non-empty path, a URL or a RangeReader, got ${JSON.stringify(item)}`,
        { code: 'INVALID_SOURCE' },
      )
    }
  }
}

/**
 * Expands a source into files: a file is itself, a directory is every `*.parquet` below it in
 * sorted order (folders and files whose names start with `.` or `_` are skipped, as Spark and
 * Hive leave `_SUCCESS` and `.crc` files there), a range reader is one file, an array is each of
 * its items in order.
 */
export async function resolveSource(
  source: ParquetSource,
  signal?: AbortSignal,
  remote: { http?: HttpOptions; s3?: S3Options | undefined } = {},
): Promise<ResolvedSource> {
  checkSource(source)
  const label = sourceLabel(source)
  const list = items(source)
  const entries: SourceEntry[] = []
  let isDirectory = false
  for (const given of list) {
    throwIfAborted(signal)
    if (isRangeReader(given)) {
      entries.push({ name: given.name, remote: isRemoteSource(given.name), partition: [], reader: given })
      continue
    }
    const item = given instanceof URL ? given.href : given
    const folder = isRemoteFolder(item)
    if (!folder && isRemoteSource(item)) {
      entries.push({ name: item, remote: true, partition: [] })
      continue
    }
    if (!folder) {
      let info: Awaited<ReturnType<typeof stat>>
      try {
        info = await stat(item)
      } catch (err) {
        throw fileSystemError(err, item, 'open')
      }
      if (!info.isDirectory()) {
        entries.push({ name: item, remote: false, partition: [] })
        continue
      }
    }
    // a directory, an S3 prefix or a folder of a registered scheme (hf://datasets/org/name/data/):
    // every *.parquet below it, in path order
    const files = await listFolder(item, {
      ...remote.http,
      s3: remote.s3,
      signal,
      suffixes: ['.parquet'],
      what: '*.parquet',
      code: 'PARQUET_NO_FILES',
    })
    if (list.length === 1) isDirectory = true
    for (const file of files)
      entries.push({
        name: file.name,
        remote: folder,
        partition: hivePartition(file.below),
        ...(file.known ? { known: file.known } : {}),
      })
  }
  return { label, isDirectory, entries }
}

/** The `key=value` folders of a file's path below its folder, values URL-decoded as Hive escapes them. */
export function hivePartition(below: string): [string, string][] {
  const segments = below.split('/').slice(0, -1)
  const out: [string, string][] = []
  for (const segment of segments) {
    const eq = segment.indexOf('=')
    if (eq <= 0) continue
    const key = segment.slice(0, eq)
    const raw = segment.slice(eq + 1)
    let value = raw
    try {
      value = decodeURIComponent(raw)
    } catch {
      // a literal % that is not an escape: keep the folder name as it is
    }
    out.push([key, value])
  }
  return out
}
