import { listFiles } from '@huggingface/hub'
import { abortErrorFrom, FormatError, isSdError } from '@sd/core'
import { hubError, isHubApiError } from './hub-errors.js'
import { getJson, retryingFetch } from './hub-http.js'
import type { HubSettings } from './options.js'

/** A file of a repository at one commit. */
export interface RepoFile {
  /** Path inside the repository, `/`-separated. */
  path: string
  /** Size in bytes (of the real content for LFS and Xet files, not of their pointer). */
  size: number
  /**
   * The content's identity as the hub reports it in `ETag`/`X-Linked-Etag`: the SHA-256 of LFS
   * and Xet files, the git blob id of the others.
   */
  etag: string
}

/** A revision resolved to its commit, with its files when the hub listed them. */
export interface RevisionInfo {
  /** The commit sha the revision points at now. */
  sha: string
  /** The files at that commit (`undefined` when the answer had no usable `siblings`). */
  files: RepoFile[] | undefined
  /** The dataset card's YAML header (`configs` lives here). */
  cardData: unknown
}

interface Sibling {
  rfilename?: unknown
  size?: unknown
  blobId?: unknown
  lfs?: { sha256?: unknown; size?: unknown } | null
}

/**
 * `GET /api/datasets/{id}[/revision/{revision}]?blobs=true`: the commit a revision points at, and in
 * the same answer every file with its size and content hash, so one request resolves a split.
 */
export async function revisionInfo(
  settings: HubSettings,
  dataset: string,
  revision: string | undefined,
  signal: AbortSignal | undefined,
): Promise<RevisionInfo> {
  const base = `${settings.hubUrl}/api/datasets/${dataset}`
  const url = `${revision === undefined ? base : `${base}/revision/${encodeURIComponent(revision)}`}?blobs=true`
  const json = (await getJson(settings, url, { dataset, revision, url }, signal)) as {
    sha?: unknown
    siblings?: unknown
    cardData?: unknown
  }
  if (typeof json?.sha !== 'string' || json.sha === '') {
    throw new FormatError('Expected the hub to answer with the commit sha of the revision, got none', {
      code: 'HF_BAD_RESPONSE',
      location: { url },
    })
  }
  return { sha: json.sha, files: siblingsToFiles(json.siblings), cardData: json.cardData }
}

function siblingsToFiles(siblings: unknown): RepoFile[] | undefined {
  if (!Array.isArray(siblings)) return undefined
  const files: RepoFile[] = []
  for (const s of siblings as Sibling[]) {
    const path = s?.rfilename
    const lfs = s?.lfs
    const size = typeof lfs?.size === 'number' ? lfs.size : s?.size
    const etag = typeof lfs?.sha256 === 'string' ? lfs.sha256 : s?.blobId
    // without sizes and hashes (an answer without blobs) the tree listing has to say them
    if (typeof path !== 'string' || typeof size !== 'number' || typeof etag !== 'string') return undefined
    files.push({ path, size, etag })
  }
  return files
}

/**
 * Every file at commit `sha` through the hub's tree listing (`listFiles` of @huggingface/hub,
 * recursive, following its pagination).
 */
export async function listTree(
  settings: HubSettings,
  dataset: string,
  sha: string,
  signal: AbortSignal | undefined,
): Promise<RepoFile[]> {
  const files: RepoFile[] = []
  try {
    for await (const entry of listFiles({
      repo: { type: 'dataset', name: dataset },
      revision: sha,
      recursive: true,
      hubUrl: settings.hubUrl,
      fetch: retryingFetch(settings, signal),
      ...(settings.accessToken ? { accessToken: settings.accessToken } : {}),
    })) {
      if (entry.type !== 'file') continue
      const etag = entry.lfs?.oid ?? entry.oid
      if (etag === undefined) continue
      files.push({ path: entry.path, size: entry.lfs?.size ?? entry.size, etag })
    }
  } catch (err) {
    if (signal?.aborted) throw abortErrorFrom(signal)
    if (isSdError(err)) throw err
    const url = `${settings.hubUrl}/api/datasets/${dataset}/tree/${sha}`
    if (isHubApiError(err))
      throw hubError(err.statusCode, undefined, err.message, { dataset, revision: sha, url })
    throw err
  }
  return files
}
