/**
 * Clustered float32 vectors from a fixed seed, for the kNN suite: `clusters` centres uniform in
 * [-1, 1)^d; each row a centre plus gaussian noise. Rows and queries share the centres and use
 * different noise streams, so queries are near the data but never in it.
 */
import { renameSync } from 'node:fs'
import { join } from 'node:path'
import { createMemoryMappedVectors, loadMemoryMappedVectors } from '@sd/mmap-vectors'
import { writeOnce } from '../lib/data.ts'

function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Fills `out` with rows around the centres, drawing from `rand`. */
function fillRows(
  out: Float32Array,
  d: number,
  centres: Float32Array,
  clusters: number,
  rand: () => number,
  spread: number,
) {
  for (let r = 0; r < out.length / d; r++) {
    const c = Math.floor(rand() * clusters)
    for (let i = 0; i < d; i += 2) {
      // Box-Muller: two gaussians per pair of uniforms
      const radius = spread * Math.sqrt(-2 * Math.log(rand() + 1e-12))
      const angle = 2 * Math.PI * rand()
      out[r * d + i] = (centres[c * d + i] as number) + radius * Math.cos(angle)
      if (i + 1 < d) out[r * d + i + 1] = (centres[c * d + i + 1] as number) + radius * Math.sin(angle)
    }
  }
}

/** The generator's parameters. */
export interface Clustered {
  rows: number
  dimension: number
  clusters: number
  seed: number
  spread: number
}

function centresOf(p: Clustered): Float32Array {
  const rand = mulberry32(p.seed)
  return Float32Array.from({ length: p.clusters * p.dimension }, () => rand() * 2 - 1)
}

/** The `.npy` of the rows (written once per parameters, with @sd/mmap-vectors, and reused). */
export function clusteredNpy(dir: string, p: Clustered): string {
  const name = `knn-${p.rows}x${p.dimension}-c${p.clusters}-s${p.seed}-n${p.spread}.npy`
  return writeOnce(join(dir, name), (tmp) => {
    const centres = centresOf(p)
    const rand = mulberry32(p.seed + 1)
    const out = createMemoryMappedVectors(`${tmp}.npy`, {
      dimension: p.dimension,
      mode: 'w+',
      syncAppends: false,
    })
    const chunk = 65_536
    const buffer = new Float32Array(chunk * p.dimension)
    for (let at = 0; at < p.rows; at += chunk) {
      const n = Math.min(chunk, p.rows - at)
      const rows = buffer.subarray(0, n * p.dimension)
      fillRows(rows, p.dimension, centres, p.clusters, rand, p.spread)
      out.append(rows)
    }
    out.close()
    // the store wants the .npy extension; the finished file gets its real name
    renameSync(`${tmp}.npy`, tmp)
  }) as string
}

/** `count` queries from the same centres (another noise stream). */
export function clusteredQueries(p: Clustered, count: number): Float32Array {
  const out = new Float32Array(count * p.dimension)
  fillRows(out, p.dimension, centresOf(p), p.clusters, mulberry32(p.seed + 2), p.spread)
  return out
}

/** Every row of a `.npy` in memory. */
export function readAll(path: string): Float32Array {
  const vectors = loadMemoryMappedVectors(path, { backend: 'pread' })
  const out = new Float32Array(vectors.length * vectors.dimension)
  vectors.readRows(0, vectors.length, out)
  vectors.close()
  return out
}

/** Throws when two rows are equal (hash of each row, then a comparison on a hash collision). */
export function assertDistinct(rows: Float32Array, d: number): void {
  const bits = new Uint32Array(rows.buffer, rows.byteOffset, rows.length)
  const seen = new Map<number, number>()
  for (let r = 0; r < rows.length / d; r++) {
    let h1 = 0x811c9dc5
    let h2 = 0x12345
    for (let i = r * d; i < (r + 1) * d; i++) {
      h1 = Math.imul(h1 ^ (bits[i] as number), 16777619)
      h2 = Math.imul(h2 + (bits[i] as number), 2246822519) ^ (h2 >>> 13)
    }
    const key = (h1 >>> 0) * 2 ** 21 + ((h2 >>> 0) & 0x1fffff)
    const other = seen.get(key)
    if (other !== undefined) {
      let same = true
      for (let i = 0; i < d && same; i++) same = bits[r * d + i] === bits[other * d + i]
      if (same) throw new Error(`rows ${other} and ${r} are equal`)
    }
    seen.set(key, r)
  }
}
