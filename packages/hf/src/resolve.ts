import { isSdError, NotFoundError, UnsupportedError } from '@sd/core'
import {
  chooseFormat,
  conversionLayout,
  type DataFormat,
  type Layout,
  pickConfig,
  pickSplit,
  repositoryLayout,
  type SplitFiles,
} from './data-files.js'
import { listTree, type RepoFile, type RevisionInfo, revisionInfo } from './hub-api.js'
import { CONVERSION_REVISION, type HubSettings } from './options.js'

/** Where a split's files come from. */
export type SplitSource = 'repository' | 'parquet-conversion'

/** One file of a resolved split, at the pinned commit. */
export interface SplitFile extends RepoFile {
  /** `{hub}/datasets/{id}/resolve/{commit}/{path}`: the bytes at the pinned commit. */
  url: string
}

/** A split resolved to the files of one commit. */
export interface ResolvedSplit {
  dataset: string
  config: string
  split: string
  /** The revision asked for (`undefined`: the default branch). */
  requestedRevision: string | undefined
  /** The commit sha every file is read at. */
  revision: string
  source: SplitSource
  format: Exclude<DataFormat, 'other'>
  /** True when the hub's conversion holds only the split's first rows. */
  partial: boolean
  files: SplitFile[]
  /** The configs of the source the split was found in. */
  configs: string[]
  /** The splits of the chosen config. */
  splits: string[]
}

/** What to resolve. */
export interface SplitRequest {
  dataset: string
  config: string | undefined
  split: string
  revision: string | undefined
}

/**
 * Resolves a split to files at one commit. The revision is turned into a commit sha first, and
 * every file is read at that sha, so a branch that moves while a stream runs changes nothing.
 *
 * The repository's own Parquet files come first (one request: the revision answer lists files with
 * sizes and hashes). A split stored as JSON Lines, CSV or text, or not stored as data files at all,
 * is looked up in the hub's Parquet conversion (`refs/convert/parquet`, pinned the same way), and
 * when there is none, its own text files are streamed.
 */
export async function resolveSplit(
  settings: HubSettings,
  request: SplitRequest,
  signal: AbortSignal | undefined,
): Promise<ResolvedSplit> {
  const { dataset, revision } = request
  if (revision === CONVERSION_REVISION) {
    const info = await revisionInfo(settings, dataset, revision, signal)
    const layout = conversionLayout(await filesOf(settings, dataset, info, signal))
    if (!layout) throw noData(dataset, revision)
    return select(settings, request, layout, info.sha, 'parquet-conversion')
  }
  const info = await revisionInfo(settings, dataset, revision, signal)
  const own = repositoryLayout(await filesOf(settings, dataset, info, signal), info.cardData)
  let ownSplit: ResolvedSplit | undefined
  let ownError: unknown
  if (own) {
    try {
      ownSplit = select(settings, request, own, info.sha, 'repository')
      if (ownSplit.format === 'parquet') return ownSplit
    } catch (err) {
      // a Parquet repository answers for itself (its configs and splits are the ones that exist)
      if (!isSdError(err) || ownHasParquet(own)) throw err
      ownError = err
    }
  }
  // the hub converts the default branch only: an older revision has no conversion to fall back on
  const conversion =
    revision === undefined || revision === 'main'
      ? await conversionInfo(settings, dataset, signal)
      : undefined
  if (conversion) {
    const layout = conversionLayout(await filesOf(settings, dataset, conversion, signal))
    if (layout) {
      try {
        return select(settings, request, layout, conversion.sha, 'parquet-conversion')
      } catch (err) {
        // the repository's own answer (its configs and splits) is the more useful error
        if (ownSplit) return ownSplit
        throw ownError ?? err
      }
    }
  }
  if (ownSplit) return ownSplit
  throw ownError ?? noData(dataset, revision)
}

async function filesOf(
  settings: HubSettings,
  dataset: string,
  info: RevisionInfo,
  signal: AbortSignal | undefined,
): Promise<RepoFile[]> {
  return info.files ?? (await listTree(settings, dataset, info.sha, signal))
}

/** The conversion branch's commit and files, or `undefined` when the dataset has none. */
async function conversionInfo(
  settings: HubSettings,
  dataset: string,
  signal: AbortSignal | undefined,
): Promise<RevisionInfo | undefined> {
  try {
    return await revisionInfo(settings, dataset, CONVERSION_REVISION, signal)
  } catch (err) {
    if (err instanceof NotFoundError) return undefined
    throw err
  }
}

function select(
  settings: HubSettings,
  request: SplitRequest,
  layout: Layout,
  sha: string,
  source: SplitSource,
): ResolvedSplit {
  const config = pickConfig(layout, request.config, request.dataset)
  const split: SplitFiles = pickSplit(config, request.split, request.dataset)
  const { format, files } = chooseFormat(split.files)
  if (format === 'other') {
    const examples = split.files
      .slice(0, 3)
      .map((f) => f.path)
      .join(', ')
    throw new UnsupportedError(
      `Split "${split.name}" of dataset "${request.dataset}" is stored in files this package cannot stream (${examples}); expected Parquet, JSON Lines, CSV, TSV or text, and the hub has no Parquet conversion of it`,
      { code: 'HF_FORMAT_UNSUPPORTED' },
    )
  }
  const base = `${settings.hubUrl}/datasets/${request.dataset}/resolve/${sha}/`
  return {
    dataset: request.dataset,
    config: config.name,
    split: split.name,
    requestedRevision: request.revision,
    revision: sha,
    source,
    format,
    partial: split.partial,
    files: files.map((f) => ({ ...f, url: base + f.path.split('/').map(encodeURIComponent).join('/') })),
    configs: [...layout.configs.keys()],
    splits: [...config.splits.keys()],
  }
}

function ownHasParquet(layout: Layout): boolean {
  for (const config of layout.configs.values())
    for (const split of config.splits.values())
      if (split.files.some((f) => f.path.endsWith('.parquet'))) return true
  return false
}

function noData(dataset: string, revision: string | undefined): NotFoundError {
  return new NotFoundError(
    `Expected data files in dataset "${dataset}"${revision ? ` at revision "${revision}"` : ''}, found none, and the hub has no Parquet conversion of it`,
    { code: 'HF_NO_DATA_FILES' },
  )
}
