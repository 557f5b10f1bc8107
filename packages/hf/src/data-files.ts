import { NotFoundError, ValidationError } from '@sd/core'
import { globToRegExp } from './glob.js'
import type { RepoFile } from './hub-api.js'

/** How the files of a split are read. */
export type DataFormat = 'parquet' | 'jsonl' | 'csv' | 'tsv' | 'txt' | 'other'

/** The files of one split. */
export interface SplitFiles {
  name: string
  files: RepoFile[]
  /** True for a conversion that stopped early (`{config}/partial-{split}/`): the split's first rows only. */
  partial: boolean
}

/** The splits of one config (subset). */
export interface ConfigLayout {
  name: string
  splits: Map<string, SplitFiles>
}

/** The configs of a repository and which one is the default. */
export interface Layout {
  configs: Map<string, ConfigLayout>
  defaultConfig: string | undefined
}

// the split keywords and separators of the `datasets` library's default data-file patterns
const SPLIT_KEYWORDS: [string, string[]][] = [
  ['train', ['train', 'training']],
  ['validation', ['validation', 'valid', 'dev', 'val']],
  ['test', ['test', 'testing', 'eval', 'evaluation']],
]
const SEP = '[-._ 0-9]'
const SHARDED = /^data\/(.+?)-\d{5}-of-\d{5}[^/]*\.[^/]*$/
const IGNORED = new Set([
  'README.md',
  'config.json',
  'dataset_info.json',
  'dataset_infos.json',
  'dummy_data.zip',
  'dataset_dict.json',
])
const NOT_DATA = /\.(py|md|gitattributes|gitignore|lock|yaml|yml|sh|ipynb)$/i
const COMPRESSION = /\.(gz|bz2|xz|zst|lz4|zip|tar|tgz|7z)$/i

/** The format a data file is read as, and whether it is gzip-compressed. */
export function formatOf(path: string): { format: DataFormat; gzip: boolean } {
  const lower = path.toLowerCase()
  const gzip = lower.endsWith('.gz')
  const name = gzip ? lower.slice(0, -3) : lower
  if (!gzip && name.endsWith('.parquet')) return { format: 'parquet', gzip }
  if (/\.(jsonl|ndjson|json)$/.test(name)) return { format: 'jsonl', gzip }
  if (name.endsWith('.csv')) return { format: 'csv', gzip }
  if (name.endsWith('.tsv')) return { format: 'tsv', gzip }
  if (name.endsWith('.txt')) return { format: 'txt', gzip }
  return { format: 'other', gzip }
}

/**
 * The files a dataset loader would treat as data: not hidden, not `README.md`, scripts or other
 * repository furniture.
 */
export function isDataFile(path: string): boolean {
  const parts = path.split('/')
  if (parts.some((p) => p.startsWith('.') || p.startsWith('__'))) return false
  const name = parts.at(-1) as string
  if (IGNORED.has(name) || NOT_DATA.test(name)) return false
  return /\.[a-z0-9]+$/i.test(name.replace(COMPRESSION, '')) || COMPRESSION.test(name)
}

/**
 * The configs and splits of a repository's own data files, the way the `datasets` library finds
 * them: the card's `configs` (`data_files` globs per split, `data_dir`, `default`), else the
 * default patterns (`data/{split}-00000-of-00001.*`, then split names in folder names, then in
 * file names, else everything is `train`). `undefined` when the repository holds no data files.
 */
export function repositoryLayout(files: RepoFile[], cardData: unknown): Layout | undefined {
  const visible = files.filter((f) => !f.path.split('/').some((p) => p.startsWith('.') || p.startsWith('__')))
  const declared = cardConfigs(cardData)
  const configs = new Map<string, ConfigLayout>()
  let defaultConfig: string | undefined
  if (declared.length > 0) {
    for (const c of declared) {
      const under = c.dataDir ? visible.filter((f) => f.path.startsWith(`${c.dataDir}/`)) : visible
      const splits = c.dataFiles
        ? matchDeclared(under, c.dataFiles, c.dataDir)
        : inferSplits(under.filter((f) => isDataFile(f.path)))
      configs.set(c.name, { name: c.name, splits })
      if (c.isDefault) defaultConfig = c.name
    }
  } else {
    const data = visible.filter((f) => isDataFile(f.path))
    if (data.length === 0) return undefined
    configs.set('default', { name: 'default', splits: inferSplits(data) })
  }
  defaultConfig ??= configs.has('default')
    ? 'default'
    : configs.size === 1
      ? [...configs.keys()][0]
      : undefined
  return { configs, defaultConfig }
}

/**
 * The configs and splits of the hub's Parquet conversion (`refs/convert/parquet`):
 * `{config}/{split}/NNNN.parquet`, or `{config}/partial-{split}/NNNN.parquet` for a split the
 * conversion cut short.
 */
export function conversionLayout(files: RepoFile[]): Layout | undefined {
  const configs = new Map<string, ConfigLayout>()
  for (const file of [...files].sort((a, b) => comparePaths(a.path, b.path))) {
    const parts = file.path.split('/')
    if (parts.length !== 3 || !file.path.endsWith('.parquet')) continue
    const [configName, dir] = parts as [string, string, string]
    const partial = dir.startsWith('partial-')
    const split = partial ? dir.slice('partial-'.length) : dir
    let config = configs.get(configName)
    if (!config) {
      config = { name: configName, splits: new Map() }
      configs.set(configName, config)
    }
    let entry = config.splits.get(split)
    if (!entry) {
      entry = { name: split, files: [], partial }
      config.splits.set(split, entry)
    }
    entry.files.push(file)
  }
  if (configs.size === 0) return undefined
  const defaultConfig = configs.has('default')
    ? 'default'
    : configs.size === 1
      ? [...configs.keys()][0]
      : undefined
  return { configs, defaultConfig }
}

/** The config to read: `requested`, else the layout's default; errors list the configs that exist. */
export function pickConfig(layout: Layout, requested: string | undefined, dataset: string): ConfigLayout {
  const names = [...layout.configs.keys()]
  const name = requested ?? layout.defaultConfig
  if (name === undefined) {
    throw new ValidationError(
      `Dataset "${dataset}" has several configs and none is the default; pass config: one of ${names.join(', ')}`,
      { code: 'HF_CONFIG_REQUIRED' },
    )
  }
  const config = layout.configs.get(name)
  if (!config) {
    throw new NotFoundError(
      `Expected a config named "${name}" in dataset "${dataset}"; its configs are: ${names.join(', ')}`,
      { code: 'HF_CONFIG_NOT_FOUND' },
    )
  }
  return config
}

/** The split to read; an unknown one is a `NotFoundError` listing the splits that exist. */
export function pickSplit(config: ConfigLayout, requested: string, dataset: string): SplitFiles {
  const split = config.splits.get(requested)
  if (!split || split.files.length === 0) {
    const names = [...config.splits.keys()]
    throw new NotFoundError(
      `Expected a split named "${requested}" in config "${config.name}" of dataset "${dataset}"; its splits are: ${names.length > 0 ? names.join(', ') : '(none)'}`,
      { code: 'HF_SPLIT_NOT_FOUND' },
    )
  }
  return split
}

/** The format most of a split's files have (Parquet wins ties), and those files. */
export function chooseFormat(files: RepoFile[]): { format: DataFormat; files: RepoFile[] } {
  const groups = new Map<DataFormat, RepoFile[]>()
  for (const f of files) {
    const { format } = formatOf(f.path)
    groups.set(format, [...(groups.get(format) ?? []), f])
  }
  const order: DataFormat[] = ['parquet', 'jsonl', 'csv', 'tsv', 'txt', 'other']
  let best: DataFormat = 'other'
  let count = 0
  for (const format of order) {
    const n = groups.get(format)?.length ?? 0
    if (n > count) {
      best = format
      count = n
    }
  }
  return { format: best, files: groups.get(best) ?? [] }
}

interface DeclaredConfig {
  name: string
  dataDir: string | undefined
  dataFiles: Map<string, string[]> | undefined
  isDefault: boolean
}

function cardConfigs(cardData: unknown): DeclaredConfig[] {
  const configs = (cardData as { configs?: unknown } | undefined)?.configs
  if (!Array.isArray(configs)) return []
  const out: DeclaredConfig[] = []
  for (const raw of configs as Record<string, unknown>[]) {
    if (!raw || typeof raw !== 'object') continue
    const name = typeof raw.config_name === 'string' ? raw.config_name : 'default'
    const dataDir = typeof raw.data_dir === 'string' ? raw.data_dir.replace(/^\.?\/+|\/+$/g, '') : undefined
    out.push({
      name,
      dataDir: dataDir || undefined,
      dataFiles: dataFilesPatterns(raw.data_files),
      isDefault: raw.default === true,
    })
  }
  return out
}

/** `data_files` as split -> globs: a string or list means `train`; a list of `{ split, path }` or a map names splits. */
function dataFilesPatterns(value: unknown): Map<string, string[]> | undefined {
  if (value === undefined || value === null) return undefined
  const out = new Map<string, string[]>()
  const add = (split: string, paths: unknown) => {
    const list = typeof paths === 'string' ? [paths] : Array.isArray(paths) ? paths.filter(isString) : []
    out.set(split, [...(out.get(split) ?? []), ...list])
  }
  if (typeof value === 'string') add('train', value)
  else if (Array.isArray(value)) {
    for (const item of value) {
      if (typeof item === 'string') add('train', item)
      else if (item && typeof item === 'object' && typeof (item as { split?: unknown }).split === 'string')
        add((item as { split: string }).split, (item as { path?: unknown }).path)
    }
  } else if (typeof value === 'object') {
    for (const [split, paths] of Object.entries(value)) add(split, paths)
  }
  return out
}

function matchDeclared(
  files: RepoFile[],
  patterns: Map<string, string[]>,
  dataDir: string | undefined,
): Map<string, SplitFiles> {
  const splits = new Map<string, SplitFiles>()
  for (const [split, globs] of patterns) {
    const regexps = globs.map((g) => globToRegExp(dataDir ? `${dataDir}/${g.replace(/^\.\//, '')}` : g))
    const matched = files.filter((f) => regexps.some((re) => re.test(f.path)))
    splits.set(split, { name: split, files: sortFiles(matched), partial: false })
  }
  return splits
}

/** The `datasets` library's default patterns, tried in its order; the first that finds a split wins. */
function inferSplits(files: RepoFile[]): Map<string, SplitFiles> {
  const splits = new Map<string, SplitFiles>()
  const sharded = new Map<string, RepoFile[]>()
  for (const f of files) {
    const m = SHARDED.exec(f.path)
    if (m?.[1]) sharded.set(m[1], [...(sharded.get(m[1]) ?? []), f])
  }
  if (sharded.size > 0) {
    for (const [name, list] of sharded) splits.set(name, { name, files: sortFiles(list), partial: false })
    return splits
  }
  for (const level of [inDirectoryName, inFileName]) {
    for (const [name, keywords] of SPLIT_KEYWORDS) {
      const matched = files.filter((f) => keywords.some((k) => level(f.path, k)))
      if (matched.length > 0) splits.set(name, { name, files: sortFiles(matched), partial: false })
    }
    if (splits.size > 0) return splits
  }
  splits.set('train', { name: 'train', files: sortFiles(files), partial: false })
  return splits
}

const keywordRegExps = new Map<string, { dir: RegExp; file: RegExp }>()

function keywordRegExp(keyword: string): { dir: RegExp; file: RegExp } {
  let re = keywordRegExps.get(keyword)
  if (!re) {
    re = {
      // a folder named `train`, `train-1`, `my_train`, `my.train.v2` ...
      dir: new RegExp(`^(?:.*${SEP})?${keyword}(?:${SEP}.*)?$`),
      // a file named `train.csv`, `train-0001.parquet`, `my_train_set.jsonl` ...
      file: new RegExp(`^(?:.*${SEP})?${keyword}${SEP}.*$`),
    }
    keywordRegExps.set(keyword, re)
  }
  return re
}

function inDirectoryName(path: string, keyword: string): boolean {
  const parts = path.split('/')
  const re = keywordRegExp(keyword).dir
  for (let i = 0; i < parts.length - 1; i++) if (re.test(parts[i] as string)) return true
  return false
}

function inFileName(path: string, keyword: string): boolean {
  return keywordRegExp(keyword).file.test(path.split('/').at(-1) as string)
}

function sortFiles(files: RepoFile[]): RepoFile[] {
  return [...files].sort((a, b) => comparePaths(a.path, b.path))
}

function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function isString(value: unknown): value is string {
  return typeof value === 'string'
}
