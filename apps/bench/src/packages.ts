import type { LoaderOptions, StreamingDataset } from '@sd/core'
import type { TabularFormat } from './types.js'

/** A `loadX(path, options)` factory of an sd format package. */
export type LoadFn = (source: string, options: LoaderOptions & Record<string, unknown>) => StreamingDataset

/** What the harness uses of `@sd/mmap-vectors`' `MemoryMappedVectors`. */
export interface VectorFile {
  readonly length: number
  readonly dimension: number
  get(index: number): Float32Array
  readInto?(index: number, out: Float32Array): unknown
  close(): unknown
}

/** `loadMemoryMappedVectors(path, options)` of `@sd/mmap-vectors`. */
export type LoadVectorsFn = (
  path: string,
  options: { dimension?: number; mode?: 'r'; backend?: 'auto' | 'mmap' | 'pread' },
) => VectorFile | Promise<VectorFile>

/** The package and factory behind each tabular format. */
export const LOADERS: Record<TabularFormat, { pkg: string; fn: string }> = {
  parquet: { pkg: '@sd/parquet', fn: 'loadParquet' },
  csv: { pkg: '@sd/csv', fn: 'loadCsv' },
  ndjson: { pkg: '@sd/json', fn: 'loadJson' },
}

/** The vector package and factory. */
export const VECTORS = { pkg: '@sd/mmap-vectors', fn: 'loadMemoryMappedVectors' } as const

/** A package export, or why it cannot be used. */
export type Loaded<T> =
  | { ok: true; value: T }
  | { ok: false; status: 'unavailable' | 'failed'; reason: string }

const loaded = new Map<string, Promise<Loaded<unknown>>>()

/**
 * Imports `pkg` and returns its export `name` when it is a function. A package whose sources are
 * not there yet (or that lacks the export) is `unavailable`; one that throws while loading has
 * `failed`, with its error, so a broken package is never mistaken for a missing one.
 */
export function importExport<T>(pkg: string, name: string): Promise<Loaded<T>> {
  const key = `${pkg}#${name}`
  let found = loaded.get(key)
  if (!found) {
    found = importNamed(pkg, name)
    loaded.set(key, found)
  }
  return found as Promise<Loaded<T>>
}

async function importNamed(pkg: string, name: string): Promise<Loaded<unknown>> {
  let mod: Record<string, unknown>
  try {
    // a computed specifier: the harness must type-check and run before every package exists
    const specifier: string = pkg
    mod = (await import(specifier)) as Record<string, unknown>
  } catch (err) {
    if (isMissingModule(err, pkg)) {
      const missing = /Cannot find (?:module|package) '([^']+)'/.exec(firstLine(err))?.[1]
      const where = missing ? `${missing.replace(/.*node_modules[/\\]/, '')} not found` : firstLine(err)
      return { ok: false, status: 'unavailable', reason: `package not available: ${pkg} (${where})` }
    }
    return { ok: false, status: 'failed', reason: `${pkg} failed to load: ${firstLine(err)}` }
  }
  const value = mod[name]
  if (typeof value !== 'function') {
    return {
      ok: false,
      status: 'unavailable',
      reason: `package not available: ${pkg} does not export ${name}`,
    }
  }
  return { ok: true, value }
}

function isMissingModule(err: unknown, pkg: string): boolean {
  const code = (err as { code?: unknown } | undefined)?.code
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false
  // only the package's own entry missing counts; a missing dependency inside it is a failure
  const message = firstLine(err)
  const dir = pkg.replace(/^@sd\//, '')
  return message.includes(pkg) || new RegExp(`[/\\\\]${dir}[/\\\\]src[/\\\\]index\\.ts`).test(message)
}

/** The first line of an error's message. */
export function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err)
  return message.split('\n')[0] ?? message
}
