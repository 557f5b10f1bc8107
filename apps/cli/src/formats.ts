import { UsageError } from './errors.js'

/** The formats the command line reads and writes. */
export type Format = 'parquet' | 'csv' | 'ndjson' | 'json' | 'car' | 'vectors' | 'hf'

/** Formats `--from` and `--to` accept. */
export const DATA_FORMATS = ['parquet', 'csv', 'ndjson', 'json', 'car'] as const
export type DataFormat = (typeof DATA_FORMATS)[number]

const EXTENSIONS: readonly [RegExp, Format][] = [
  [/\.(parquet|pq)$/i, 'parquet'],
  [/\.(csv|tsv)(\.gz)?$/i, 'csv'],
  [/\.(ndjson|jsonl)(\.gz)?$/i, 'ndjson'],
  [/\.json(\.gz)?$/i, 'json'],
  [/\.car$/i, 'car'],
  [/\.(npy|f32|fvecs32|vec)$/i, 'vectors'],
]

/** A source named on the command line: a path, a URL (`hf://` and `ipfs://` too) or `hf:org/name`. */
export interface Location {
  /** As typed. */
  raw: string
  kind: 'file' | 'url' | 'hf'
  format: Format
}

/** `hf:org/name` names a Hugging Face dataset (an `hf://datasets/...` URL names a file or folder in one). */
export function isHfName(raw: string): boolean {
  return /^hf:(?!\/\/)/i.test(raw)
}

/** A URL: `http(s)://`, or a scheme registered with `@sd/core` (`s3://`, `hf://`, `ipfs://`). */
export function isUrl(raw: string): boolean {
  return /^[a-z][a-z\d+.-]*:\/\//i.test(raw)
}

/**
 * Registers the `hf://` and `ipfs://` schemes with `@sd/core` (from `@sd/hf/register` and
 * `@sd/car/register`) when a command line names such a URL, so every loader reads them; other
 * command lines do not load those modules.
 */
export async function registerSchemes(argv: readonly string[]): Promise<void> {
  if (argv.some((a) => /^hf:\/\//i.test(a))) await import('@sd/hf/register')
  if (argv.some((a) => /^ipfs:\/\//i.test(a))) await import('@sd/car/register')
}

/**
 * Where `raw` is and what format it holds: `given` (from `--from`/`--to`) when set, else from the
 * extension (of the URL's path for a URL; a gateway URL `.../ipfs/<cid>` is a CAR). A name whose
 * format cannot be told is a usage error asking for `--from`/`--to`.
 */
export function locate(raw: string, given: string | undefined, flag: '--from' | '--to'): Location {
  if (isHfName(raw)) {
    if (given !== undefined && given !== 'hf') {
      throw new UsageError(`${raw} is a Hugging Face dataset; ${flag} ${given} does not apply to it`)
    }
    return { raw, kind: 'hf', format: 'hf' }
  }
  const kind = isUrl(raw) ? 'url' : 'file'
  if (given !== undefined) return { raw, kind, format: parseFormat(given, flag) }
  const name = kind === 'url' ? new URL(raw).pathname : raw
  if (kind === 'url' && /\/ipfs\/[^/]+/.test(name)) return { raw, kind, format: 'car' }
  for (const [pattern, format] of EXTENSIONS) if (pattern.test(name)) return { raw, kind, format }
  throw new UsageError(
    `Cannot tell the format of ${raw} from its name: name it with ${flag} (${DATA_FORMATS.join(', ')})`,
  )
}

/** A format name given to `--from`/`--to`. */
export function parseFormat(name: string, flag: string): Format {
  const format = name.toLowerCase()
  if (format === 'jsonl') return 'ndjson'
  if ((DATA_FORMATS as readonly string[]).includes(format) || format === 'vectors') return format as Format
  throw new UsageError(`Unknown format "${name}" for ${flag}: expected one of ${DATA_FORMATS.join(', ')}`)
}

/** A tab-separated file by its name. */
export function isTsv(raw: string): boolean {
  return /\.tsv(\.gz)?$/i.test(raw)
}

/**
 * A raw float32 vector file (anything but `.npy`) has no header telling its dimension: without
 * `--dimension` the command line cannot be run as written (a usage error naming the option).
 */
export function checkVectorDimension(path: string, dimension: number | undefined): void {
  if (dimension === undefined && !/\.npy$/i.test(path)) {
    throw new UsageError(
      `${path} is raw float32 vectors with no header: give the components per vector with --dimension <n>`,
    )
  }
}
