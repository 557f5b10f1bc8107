/**
 * The peers' HNSW indexes over the benchmark rows, each built once and kept beside the data with the
 * peer's own save/load, so runs after the first only load them: hnswlib-node (M=16,
 * efConstruction=100, seed 100, `writeIndexSync`) and usearch (connectivity 16, expansion_add 128,
 * `save`/`load`). How long a build took is kept beside the index so later runs can still report it.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { HierarchicalNSW, type HnswlibHnsw, type UsearchIndex, usearch } from './peers.ts'

/** An index and its build time; `loaded` says it came from the data folder, built by an earlier run. */
export interface CachedIndex<T> {
  index: T
  /** Seconds the build took; undefined for an index kept by a run that did not record it. */
  buildSeconds: number | undefined
  loaded: boolean
}

function cached<T>(
  path: string,
  load: () => T,
  build: () => T,
  save: (index: T, tmp: string) => void,
): CachedIndex<T> {
  const timing = `${path}.json`
  if (existsSync(path)) {
    const buildSeconds = existsSync(timing)
      ? (JSON.parse(readFileSync(timing, 'utf8')) as { buildSeconds: number }).buildSeconds
      : undefined
    return { index: load(), buildSeconds, loaded: true }
  }
  const t0 = performance.now()
  const index = build()
  const buildSeconds = (performance.now() - t0) / 1000
  save(index, `${path}.tmp`)
  renameSync(`${path}.tmp`, path)
  writeFileSync(timing, JSON.stringify({ buildSeconds }))
  return { index, buildSeconds, loaded: false }
}

/** hnswlib-node's HNSW index (one thread: its JS API has no thread option). */
export function hnswIndex(
  dir: string,
  data: Float32Array,
  d: number,
  name: string,
): CachedIndex<HnswlibHnsw> {
  const rows = data.length / d
  const index = new HierarchicalNSW('l2', d)
  const path = join(dir, `hnswlib-${name}-M16-efc100.bin`)
  return cached(
    path,
    () => {
      index.readIndexSync(path)
      return index
    },
    () => {
      index.initIndex(rows, 16, 100, 100)
      for (let r = 0; r < rows; r++) index.addPoint(Array.from(data.subarray(r * d, (r + 1) * d)), r)
      return index
    },
    (built, tmp) => built.writeIndexSync(tmp),
  )
}

/** usearch's HNSW index, built with `threads` threads (its JS API fixes expansion_search here). */
export function usearchHnswIndex(
  dir: string,
  data: Float32Array,
  d: number,
  name: string,
  threads: number,
): CachedIndex<UsearchIndex> {
  const rows = data.length / d
  const index = new usearch.Index({
    dimensions: d,
    metric: 'l2sq',
    connectivity: 16,
    expansion_add: 128,
    expansion_search: 64,
  })
  const path = join(dir, `usearch-${name}-c16-ea128-es64.usearch`)
  return cached(
    path,
    () => {
      index.load(path)
      return index
    },
    () => {
      index.add(
        BigUint64Array.from({ length: rows }, (_, i) => BigInt(i)),
        data,
        threads,
      )
      return index
    },
    (built, tmp) => built.save(tmp),
  )
}

/** The note a suite prints about a peer index's build. */
export function buildNote(peer: string, how: string, seconds: number | undefined, loaded: boolean): string {
  const time = seconds === undefined ? '' : `${seconds.toFixed(0)} s (${how})`
  if (!loaded) return `${peer} build: ${time}; kept beside the data for later runs.`
  return `${peer} index loaded from the one an earlier run built and saved${time ? `; that build took ${time}` : ''}.`
}
