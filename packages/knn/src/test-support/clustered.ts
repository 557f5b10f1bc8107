import { mulberry32 } from '../random.js'

/**
 * Clustered vectors from a fixed seed: `clusters` centres drawn uniformly in [-1, 1)^d, each row a
 * centre plus gaussian noise of standard deviation `spread`.
 */
export function clustered(n: number, d: number, clusters: number, seed: number, spread = 0.15): Float32Array {
  const rand = mulberry32(seed)
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand())
  const centres = Float32Array.from({ length: clusters * d }, () => rand() * 2 - 1)
  const out = new Float32Array(n * d)
  for (let r = 0; r < n; r++) {
    const c = Math.floor(rand() * clusters)
    for (let i = 0; i < d; i++) out[r * d + i] = (centres[c * d + i] as number) + spread * gauss()
  }
  return out
}
