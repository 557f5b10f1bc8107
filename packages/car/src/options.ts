import { invalidOption, type LoaderOptions, nameList } from '@sd/core'
import type { FileFormat } from './manifest.js'
import type { OpenCarOptions } from './open-car.js'

/** Options of {@link loadCar}: the shared loader options, how to open the CAR, and what to read. */
export interface CarLoadOptions extends LoaderOptions, Omit<OpenCarOptions, 'cache' | 'signal'> {
  /** Columns to read, in this order; the blocks of other columns are never fetched. Default: all. */
  columns?: readonly string[]
  /**
   * Batches of the manifest to read (indexes into `manifest().batches`: Parquet row groups,
   * line-aligned CSV/NDJSON ranges, or stored batches), in file order; only their blocks are
   * fetched. Default: all.
   */
  batches?: readonly number[]
  /**
   * The format of a bare UnixFS file (a CAR or gateway CID whose root is a file added by other IPFS
   * tools, without an sd manifest). Default: told from its first bytes (Parquet, JSON, NDJSON);
   * CSV must be named.
   */
  format?: FileFormat
  /** Options for the Parquet reader of a packed Parquet file (`filters`, `filterStrict`...). */
  parquet?: Record<string, unknown>
  /** Options for the CSV reader of a packed CSV file (`delimiter`, `columnTypes`...). */
  csv?: Record<string, unknown>
  /** Options for the JSON reader of a packed NDJSON or JSON file. */
  json?: Record<string, unknown>
}

/** The CAR-specific options, checked. */
export interface ResolvedCarOptions {
  columns: string[] | undefined
  batches: number[] | undefined
}

/** Checks `columns` and `batches` (a `ValidationError` with code `INVALID_OPTION` names the bad one). */
export function resolveCarOptions(options: CarLoadOptions): ResolvedCarOptions {
  const { batches } = options
  const columns = nameList('columns', options.columns)
  if (
    batches !== undefined &&
    (!Array.isArray(batches) || batches.some((b) => !Number.isSafeInteger(b) || b < 0))
  ) {
    throw invalidOption(
      `batches must be an array of batch indexes (0, 1, ...), got ${JSON.stringify(batches)}`,
    )
  }
  return {
    columns: columns ? [...columns] : undefined,
    batches: batches ? [...new Set(batches)].sort((a, b) => a - b) : undefined,
  }
}
