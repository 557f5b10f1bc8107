import {
  type HttpOptions,
  type HttpSettings,
  type LoaderOptions,
  resolveHttpOptions,
  ValidationError,
} from '@sd/core'
import type { ParquetQueryFilter } from 'hyparquet'

/** The public hub, used when neither `hubUrl` nor `HF_ENDPOINT` is set. */
export const PUBLIC_HUB = 'https://huggingface.co'

/** The branch where the hub keeps its Parquet conversion of every dataset. */
export const CONVERSION_REVISION = 'refs/convert/parquet'

/**
 * A Mongo-style row filter, as hyparquet reads it: `{ score: { $gt: 0.5 } }`,
 * `{ $or: [{ label: 'a' }, { label: 'b' }] }`. Operators: `$eq $ne $gt $gte $lt $lte $in $nin $not
 * $and $or $nor`.
 */
export type HuggingFaceFilter = ParquetQueryFilter

/**
 * Options of {@link loadHuggingFace}: the shared loader options, core's HTTP options (`fetch`,
 * `retries`, `backoffMs`, `timeoutMs`, `idleTimeoutMs`, `minBytesPerSecond`, `maxRedirects`; every
 * request to the hub and its CDN follows them), plus where and what to read.
 */
export interface HuggingFaceOptions extends LoaderOptions, Omit<HttpOptions, 'headers'> {
  /** The dataset configuration (subset). Default: the only one, the one marked default, or `'default'`. */
  config?: string
  /** The split. Default `'train'`. */
  split?: string
  /** A branch, tag or commit. Default: the repository's default branch. Pinned to a commit sha at start. */
  revision?: string
  /** Read only these columns (Parquet reads only their bytes). */
  columns?: string[]
  /** Keep only rows that match; Parquet row groups whose statistics exclude every match are not fetched. */
  filters?: HuggingFaceFilter
  /** The hub endpoint. Default: `HF_ENDPOINT`, else `https://huggingface.co`. */
  hubUrl?: string
  /** A token for private and gated datasets (starts with `hf_`). Default: `HF_TOKEN`. */
  accessToken?: string
  /**
   * Row groups (or text chunks) whose bytes are requested ahead of decoding, across files.
   * Default 4; 0 requests each one when it is needed.
   */
  readAhead?: number
  /**
   * Also bound read-ahead by bytes: no more row groups are requested once those in flight hold
   * this many bytes (one always may be). Default 64 MiB.
   */
  readAheadBytes?: number
  /** Bytes per range request when streaming JSON Lines, CSV or text files. Default 4 MiB. */
  textChunkBytes?: number
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
  filters: HuggingFaceFilter | undefined
  readAhead: number
  readAheadBytes: number
  textChunkBytes: number
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

/** Applies defaults to what to read and validates it. */
export function resolveReadSettings(options: HuggingFaceOptions): ReadSettings {
  const readAhead = options.readAhead ?? 4
  const readAheadBytes = options.readAheadBytes ?? 64 << 20
  const textChunkBytes = options.textChunkBytes ?? 4 << 20
  nonNegativeInteger(readAhead, 'readAhead')
  nonNegativeInteger(readAheadBytes, 'readAheadBytes')
  if (!Number.isInteger(textChunkBytes) || textChunkBytes < 1024) {
    throw new ValidationError(`textChunkBytes must be an integer of at least 1024, got ${textChunkBytes}`, {
      code: 'INVALID_OPTION',
    })
  }
  const columns = options.columns
  if (columns !== undefined) {
    if (!Array.isArray(columns) || columns.some((c) => typeof c !== 'string')) {
      throw new ValidationError('columns must be an array of column names', { code: 'INVALID_OPTION' })
    }
    const seen = new Set<string>()
    for (const c of columns) {
      if (seen.has(c))
        throw new ValidationError(`columns lists "${c}" twice`, {
          code: 'INVALID_OPTION',
          location: { column: c },
        })
      seen.add(c)
    }
  }
  if (options.filters !== undefined && (typeof options.filters !== 'object' || options.filters === null)) {
    throw new ValidationError('filters must be an object such as { score: { $gt: 0.5 } }', {
      code: 'INVALID_OPTION',
    })
  }
  for (const [name, value] of [
    ['config', options.config],
    ['split', options.split],
    ['revision', options.revision],
  ] as const) {
    if (value !== undefined && (typeof value !== 'string' || value === '')) {
      throw new ValidationError(`${name} must be a non-empty string, got ${JSON.stringify(value)}`, {
        code: 'INVALID_OPTION',
      })
    }
  }
  return {
    config: options.config,
    split: options.split ?? 'train',
    revision: options.revision,
    columns,
    filters: options.filters,
    readAhead,
    readAheadBytes,
    textChunkBytes,
  }
}

function envValue(name: string): string | undefined {
  const value = process.env[name]
  return value === undefined || value === '' ? undefined : value
}

function nonNegativeInteger(value: number, name: string): void {
  if (!Number.isInteger(value) || value < 0) {
    throw new ValidationError(`${name} must be a non-negative integer, got ${value}`, {
      code: 'INVALID_OPTION',
    })
  }
}
