/**
 * hnswlib-node's HNSW index over the benchmark rows, built once (M=16, efConstruction=100, seed 100)
 * and kept beside the data with its own `writeIndexSync`, so runs after the first only load it.
 */
import { existsSync, renameSync } from 'node:fs'
import { join } from 'node:path'
import { HierarchicalNSW, type HnswlibHnsw } from './peers.ts'

/** The index and how long building it took (undefined when it was loaded from the data folder). */
export function hnswIndex(
  dir: string,
  data: Float32Array,
  d: number,
  name: string,
): { index: HnswlibHnsw; buildSeconds: number | undefined } {
  const rows = data.length / d
  const path = join(dir, `hnswlib-${name}-M16-efc100.bin`)
  const index = new HierarchicalNSW('l2', d)
  if (existsSync(path)) {
    index.readIndexSync(path)
    return { index, buildSeconds: undefined }
  }
  index.initIndex(rows, 16, 100, 100)
  const t0 = performance.now()
  for (let r = 0; r < rows; r++) index.addPoint(Array.from(data.subarray(r * d, (r + 1) * d)), r)
  const buildSeconds = (performance.now() - t0) / 1000
  index.writeIndexSync(`${path}.tmp`)
  renameSync(`${path}.tmp`, path)
  return { index, buildSeconds }
}
