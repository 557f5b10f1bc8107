/**
 * The peers, each in its fastest form: usearch 2.25.3 (`exactSearch` over a flat Float32Array with
 * all threads; its HNSW `Index` with batch search) and hnswlib-node 3.0.0 (`BruteforceSearch` and
 * `HierarchicalNSW`, whose API takes one `number[]` per call, on one thread). usearch is CommonJS in
 * practice (its ESM build recurses), so both load through `require`.
 */
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)

export interface UsearchIndex {
  add(keys: BigUint64Array, vectors: Float32Array, threads?: number): void
  search(vectors: Float32Array, k: number, threads: number): { keys: BigUint64Array; distances: Float32Array }
  save(path: string): void
  load(path: string): void
}

export interface Usearch {
  exactSearch(
    dataset: Float32Array,
    queries: Float32Array,
    dimensions: number,
    count: number,
    metric: string,
    threads?: number,
  ): { keys: BigUint64Array; distances: Float32Array }
  Index: new (options: {
    dimensions: number
    metric: string
    connectivity: number
    expansion_add: number
    expansion_search: number
  }) => UsearchIndex
}

export interface HnswSearchResult {
  neighbors: number[]
  distances: number[]
}

export interface HnswlibBruteforce {
  initIndex(maxElements: number): void
  addPoint(point: number[], label: number): void
  searchKnn(query: number[], k: number, filter?: (label: number) => boolean): HnswSearchResult
}

export interface HnswlibHnsw {
  initIndex(maxElements: number, m?: number, efConstruction?: number, randomSeed?: number): void
  addPoint(point: number[], label: number): void
  setEf(ef: number): void
  searchKnn(query: number[], k: number, filter?: (label: number) => boolean): HnswSearchResult
  readIndexSync(filename: string): void
  writeIndexSync(filename: string): void
}

export const usearch = require('usearch') as Usearch
const hnswlib = require('hnswlib-node') as {
  BruteforceSearch: new (space: string, dim: number) => HnswlibBruteforce
  HierarchicalNSW: new (space: string, dim: number) => HnswlibHnsw
}
export const { BruteforceSearch, HierarchicalNSW } = hnswlib

/** Top-k row indices per query from usearch's flat keys (`count` per query). */
export function usearchIndices(keys: BigUint64Array, queries: number, k: number): number[][] {
  return Array.from({ length: queries }, (_, q) => Array.from(keys.subarray(q * k, (q + 1) * k), Number))
}
