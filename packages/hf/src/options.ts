import {
  type Filter,
  type HttpOptions,
  type HttpSettings,
  type Int64Option,
  invalidOption,
  type LoaderOptions,
  nameList,
  nonEmptyString,
  positiveInteger,
  resolveHttpOptions,
  resolveInt64,
  resolveWorkers,
  ValidationError,
  validateFilter,
  type WorkersOption,
} from '@sd/core'

/** The public hub, used when neither `hubUrl` nor `HF_ENDPOINT` is set. */
export const PUBLIC_HUB = 'https://huggingface.co'

/** The branch where the hub keeps its Parquet conversion of every dataset. */
export const CONVERSION_REVISION = 'refs/convert/parquet'

/** Bytes per range request of CSV, TSV and JSON Lines files when `chunkBytes` is not given. */
export const DEFAULT_CHUNK_BYTES = 4 << 20

/** The longest record of a text file when `maxRecordBytes` is not given (as in @sd/csv and @sd/json). */
export const DEFAULT_MAX_RECORD_BYTES = 64 << 20

/**
 * Options of {@link loadHuggingFace}: the shared loader options, core's HTTP options (`fetch`,
 * `retries`, `backoffMs`, `timeoutMs`, `idleTimeoutMs`, `minBytesPerSecond`, `maxRedirects`; every
 * request to the hub and its CDN follows them), where and what to read, and the options passed on
 * to the format package that reads the files.
 */
export interface HuggingFaceOptions extends LoaderOptions, Omit<HttpOptions, 'headers'> {
  /** The dataset configuration (subset). Default: the only one, the one marked default, or `'default'`. */
  config?: string
  /** The split. Default `'train'`. */
  split?: string
  /** A branch, tag or commit. Default: the repository's default branch. Pinned to a commit sha at start. */
  revision?: string
  /** Read only these columns, in this order (Parquet reads only their bytes). */
  columns?: string[]
  /**
   * Keep only rows that match, in core's filter language (`{ score: { $gt: 0.5 } }`); Parquet row
   * groups whose statistics exclude every match are not fetched.
   */
  filters?: Filter
  /** The hub endpoint. Default: `HF_ENDPOINT`, else `https://huggingface.co`. */
  hubUrl?: string
  /** A token for private and gated datasets (starts with `hf_`). Default: `HF_TOKEN`. */
  accessToken?: string
  /**
   * How 64-bit integer columns come out: `'bigint'` (default) as `BigInt64Array`, `'number'` as
   * `float64` (integers beyond 2^53 lose precision).
   */
  int64?: Int64Option
  /** Bytes per range request of CSV, TSV, JSON Lines and text files. Default 4 MiB. */
  chunkBytes?: number
  /** Longest record (a line, a CSV record) of CSV, TSV, JSON Lines and text files, in bytes. Default 64 MiB. */
  maxRecordBytes?: number
  /**
   * Threads that decode, passed to the format package that reads the files (`'auto'` or a count,
   * 0 = the calling thread). Default 0: a split's files are read one after another over the
   * network, and @sd/parquet's pool of decoding threads per file did not pay off in the benchmark
   * (as fast at best on 2 cores, up to 1.9x slower on a busy machine).
   */
  workers?: WorkersOption
}

/** The hub-related options with defaults applied (core's HTTP settings, the hub and the token). */
export interface HubSettings extends HttpSettings {
  hubUrl: string
  accessToken: string | undefined
}

/** What to read, with defaults applied. */
export interface ReadSettings {
  config: string | undefined
  split: string
  revision: string | undefined
  columns: string[] | undefined
  filters: Filter | undefined
  int64: Int64Option
  chunkBytes: number
  maxRecordBytes: number
  workers: WorkersOption
}

/**
 * Applies defaults (`HF_ENDPOINT`, `HF_TOKEN`) to the hub options and validates them. A token that
 * does not start with `hf_` is refused here: the hub client refuses it later with a less clear message.
 */
export function resolveHubSettings(options: HuggingFaceOptions): HubSettings {
  const hubUrl = (options.hubUrl ?? envValue('HF_ENDPOINT') ?? PUBLIC_HUB).replace(/\/+$/, '')
  if (!/^https?:\/\/[^/]/i.test(hubUrl)) {
    throw new ValidationError(`hubUrl must be an http(s) URL such as ${PUBLIC_HUB}, got "${hubUrl}"`, {
      code: 'HF_INVALID_HUB_URL',
    })
  }
  const fromOption = options.accessToken !== undefined
  const accessToken = options.accessToken ?? envValue('HF_TOKEN')
  if (accessToken !== undefined && !accessToken.startsWith('hf_')) {
    throw new ValidationError(
      `${fromOption ? 'accessToken' : 'HF_TOKEN'} must be a Hugging Face token starting with "hf_", got one starting with "${accessToken.slice(0, 3)}"`,
      { code: 'HF_INVALID_TOKEN' },
    )
  }
  // the hub client sets its own headers (the token); HuggingFaceOptions has none to pass on
  const http = resolveHttpOptions(options)
  return { ...http, headers: undefined, hubUrl, accessToken }
}

/** Applies defaults to what to read and validates it (a `ValidationError` names the bad option). */
export function resolveReadSettings(options: HuggingFaceOptions): ReadSettings {
  const { filters, chunkBytes = DEFAULT_CHUNK_BYTES, workers = 0 } = options
  if (filters !== undefined) validateFilter(filters)
  if (!Number.isInteger(chunkBytes) || chunkBytes < 1024)
    throw invalidOption(`chunkBytes must be an integer of at least 1024, got ${JSON.stringify(chunkBytes)}`)
  // checked now; the format package reading the files resolves 'auto' itself
  resolveWorkers(workers, 0)
  const columns = nameList('columns', options.columns)
  return {
    config: nonEmptyString('config', options.config),
    split: nonEmptyString('split', options.split) ?? 'train',
    revision: nonEmptyString('revision', options.revision),
    columns: columns ? [...columns] : undefined,
    filters,
    int64: resolveInt64(options.int64),
    chunkBytes,
    maxRecordBytes: positiveInteger('maxRecordBytes', options.maxRecordBytes, DEFAULT_MAX_RECORD_BYTES),
    workers,
  }
}

function envValue(name: string): string | undefined {
  const value = process.env[name]
  return value === undefined || value === '' ? undefined : value
}

/**
 * A row filter in core's filter language.
 *
 * @deprecated Use `Filter` from `@sd/core`; this alias stays for code written against earlier
 * versions.
 */
export type HuggingFaceFilter = Filter
