import { type Dirent, statSync } from 'node:fs'
import { readdir } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'
import { fileSystemError, NotFoundError, throwIfAborted } from '../errors.js'
import type { OpenRangeOptions } from './open-range.js'
import { isS3Url } from './s3-config.js'
import { listS3 } from './s3-list.js'
import { registeredScheme } from './schemes.js'

/** One file found below a folder. */
export interface FolderFile {
  /** A path (local folders) or URL (`s3://` prefixes, scheme folders) the loaders open. */
  name: string
  /** Its path below the folder, `/`-separated: the same wherever the folder is. */
  below: string
  /** Size and ETag, when the listing gave them (S3). */
  known?: { byteLength: number; etag: string }
}

/** Options of {@link listFolder}. */
export interface FolderListOptions extends OpenRangeOptions {
  /** File name endings to keep (`['.csv', '.csv.gz']`). */
  suffixes: readonly string[]
  /** Names the files for the error when none is found (`'*.csv'`). */
  what: string
  /** The code of that error (default `NO_FILES`). */
  code?: string
}

/**
 * True when `source` is a URL of a listable folder: an `s3://` prefix or a registered scheme's
 * folder (`hf://datasets/org/name/data/`), ending with `/`.
 */
export function isRemoteFolder(source: string): boolean {
  return source.endsWith('/') && (isS3Url(source) || registeredScheme(source)?.list !== undefined)
}

/**
 * True when `source` names a folder: a local directory, or an `s3://` or registered-scheme URL
 * ending with `/` (an S3 prefix, `hf://datasets/org/name/data/`).
 */
export function isFolder(source: string): boolean {
  if (isRemoteFolder(source)) return true
  if (/^[a-z][a-z0-9+.-]+:\/\//i.test(source)) return false
  try {
    return statSync(source).isDirectory()
  } catch {
    return false
  }
}

/**
 * The files below a folder whose names end with one of `suffixes`, in path order (segment by
 * segment, so the order is the same on every platform). Files and folders whose name starts with
 * `.` or `_` are left out, as Spark and Hive write them (`_SUCCESS`, `.part.crc`). No file is a
 * `NotFoundError` (code `NO_FILES`, or `options.code`) naming the folder.
 */
export async function listFolder(folder: string, options: FolderListOptions): Promise<FolderFile[]> {
  const { suffixes, what, signal, code = 'NO_FILES' } = options
  const wanted = (name: string) => suffixes.some((s) => name.endsWith(s))
  let files: FolderFile[]
  const remote = isS3Url(folder) || registeredScheme(folder)?.list !== undefined
  if (isS3Url(folder)) {
    const { suffixes: _s, what: _w, code: _c, ...list } = options
    const objects = await listS3(folder, list)
    files = objects
      .map((o) => ({
        name: o.url,
        below: o.url.slice(folder.length),
        known: { byteLength: o.size, etag: o.etag },
      }))
      .filter((f) => wanted(f.below) && !hiddenBelow(f.below))
      .map((f) => (f.known.etag === '' ? { name: f.name, below: f.below } : f))
  } else if (remote) {
    const { s3: _s3, suffixes: _s, what: _w, code: _c, ...http } = options
    const urls = await (registeredScheme(folder)?.list?.(folder, http) ?? Promise.resolve([]))
    files = urls
      .map((url) => ({ name: url, below: url.slice(folder.length) }))
      .filter((f) => wanted(f.below) && !hiddenBelow(f.below))
  } else files = await walkLocal(folder, wanted, signal)
  if (files.length === 0) {
    throw new NotFoundError(`Expected at least one ${what} file below the folder, found none`, {
      code,
      location: remote ? { url: folder } : { file: folder },
    })
  }
  return files
}

async function walkLocal(
  dir: string,
  wanted: (name: string) => boolean,
  signal: AbortSignal | undefined,
): Promise<FolderFile[]> {
  const out: string[] = []
  const walk = async (folder: string): Promise<void> => {
    throwIfAborted(signal)
    let names: Dirent[]
    try {
      names = await readdir(folder, { withFileTypes: true })
    } catch (err) {
      throw fileSystemError(err, folder, 'list')
    }
    for (const entry of names) {
      if (entry.name.startsWith('.') || entry.name.startsWith('_')) continue
      const path = join(folder, entry.name)
      if (entry.isDirectory()) await walk(path)
      else if ((entry.isFile() || entry.isSymbolicLink()) && wanted(entry.name)) out.push(path)
    }
  }
  await walk(dir)
  const keys = new Map(out.map((p) => [p, relative(dir, p).split(sep)]))
  out.sort((a, b) => compareSegments(keys.get(a) as string[], keys.get(b) as string[]))
  return out.map((name) => ({ name, below: (keys.get(name) as string[]).join('/') }))
}

/** True when a path below a listed folder has a segment Spark or Hive would leave (`_SUCCESS`, `.crc`). */
export function hiddenBelow(below: string): boolean {
  return below.split('/').some((segment) => segment.startsWith('.') || segment.startsWith('_'))
}

function compareSegments(a: string[], b: string[]): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a[i] as string
    const y = b[i] as string
    if (x !== y) return x < y ? -1 : 1
  }
  return a.length - b.length
}
