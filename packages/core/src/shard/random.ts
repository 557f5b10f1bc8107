/**
 * Seeded randomness that gives the same numbers on every machine: a string key hashed to 128 bits
 * (cyrb128), drawn from with sfc32. Only 32-bit integer arithmetic, so results do not depend on the
 * platform.
 */

/** Four 32-bit words hashed from `key`. */
export function hashKey(key: string): [number, number, number, number] {
  let h1 = 1779033703
  let h2 = 3144134277
  let h3 = 1013904242
  let h4 = 2773480762
  for (let i = 0; i < key.length; i++) {
    const k = key.charCodeAt(i)
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067)
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233)
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213)
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179)
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067)
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233)
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213)
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179)
  h1 ^= h2 ^ h3 ^ h4
  h2 ^= h1
  h3 ^= h1
  h4 ^= h1
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0]
}

/** A generator of uniform 32-bit integers (sfc32) seeded by the hash of `key`. */
export function randomSource(key: string): () => number {
  let [a, b, c, d] = hashKey(key)
  const next = () => {
    a >>>= 0
    b >>>= 0
    c >>>= 0
    d >>>= 0
    let t = (a + b) | 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) | 0
    c = (c << 21) | (c >>> 11)
    d = (d + 1) | 0
    t = (t + d) | 0
    c = (c + t) | 0
    return t >>> 0
  }
  // let the state mix before the first draw
  for (let i = 0; i < 12; i++) next()
  return next
}

/**
 * A permutation of `0..n-1` determined by `key` (Fisher-Yates with sfc32 inlined; the index for
 * position `i` scales a 32-bit draw to `[0, i]`, biased by at most (i + 1) / 2^32).
 */
export function permutation(n: number, key: string): Int32Array {
  const out = new Int32Array(n)
  for (let i = 0; i < n; i++) out[i] = i
  let [a, b, c, d] = hashKey(key)
  for (let round = 0; round < 12 + n; round++) {
    // sfc32, as randomSource draws it
    a >>>= 0
    b >>>= 0
    c >>>= 0
    d >>>= 0
    let t = (a + b) | 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) | 0
    c = (c << 21) | (c >>> 11)
    d = (d + 1) | 0
    t = (t + d) | 0
    c = (c + t) | 0
    const i = n - 1 - (round - 12)
    if (round < 12 || i <= 0) continue
    // floor(t / 2^32 * (i + 1)): t / 2^32 is exact and below 1, and the product rounds to less than i + 1
    const j = Math.floor(((t >>> 0) / 4294967296) * (i + 1))
    const swap = out[i] as number
    out[i] = out[j] as number
    out[j] = swap
  }
  return out
}

/** A short hex digest of `text` (for fingerprints and stream names). */
export function digest(text: string): string {
  return hashKey(text)
    .slice(0, 2)
    .map((w) => w.toString(16).padStart(8, '0'))
    .join('')
}
