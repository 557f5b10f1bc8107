// The distance kernel of @sd/knn, compiled to WebAssembly with SIMD (scripts/build-wasm.mjs).
// Every function works on memory the caller laid out; nothing here allocates.
//
// Layout of one call: `queries` holds nq rows of `dim` float32, `rows` a tile of n rows of `dim`
// float32, `out` an nq x n float32 matrix (row q = the scores of query q). Dot mode writes inner
// products; L2 mode writes squared Euclidean distances computed directly as sum((q - x)^2), which
// keeps near neighbours exact where |q|^2 + |x|^2 - 2 q.x would cancel.

// @ts-expect-error: decorator
@inline
function mac(acc: v128, a: v128, b: v128, l2: bool): v128 {
  if (l2) {
    const d = f32x4.sub(a, b)
    return f32x4.add(acc, f32x4.mul(d, d))
  }
  return f32x4.add(acc, f32x4.mul(a, b))
}

// @ts-expect-error: decorator
@inline
function term(a: f32, b: f32, l2: bool): f32 {
  if (l2) {
    const d = a - b
    return d * d
  }
  return a * b
}

// @ts-expect-error: decorator
@inline
function hsum(v: v128): f32 {
  const s = f32x4.add(v, v128.shuffle<f32>(v, v, 2, 3, 0, 1))
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1)
}

// @ts-expect-error: decorator
@inline
function tail(q: usize, x: usize, from: i32, dim: i32, l2: bool): f32 {
  let s: f32 = 0
  for (let i = from; i < dim; i++) {
    const o = (<usize>i) << 2
    s += term(load<f32>(q + o), load<f32>(x + o), l2)
  }
  return s
}

// @ts-expect-error: decorator
@inline
function tile(queries: usize, nq: i32, rows: usize, n: i32, dim: i32, out: usize, l2: bool): void {
  const vd = dim & ~3
  const stride = (<usize>dim) << 2
  const outStride = (<usize>n) << 2
  let q = 0
  for (; q + 4 <= nq; q += 4) {
    const q0 = queries + <usize>q * stride
    const q1 = q0 + stride
    const q2 = q1 + stride
    const q3 = q2 + stride
    const o0 = out + <usize>q * outStride
    const o1 = o0 + outStride
    const o2 = o1 + outStride
    const o3 = o2 + outStride
    let r = 0
    for (; r + 2 <= n; r += 2) {
      const x0 = rows + <usize>r * stride
      const x1 = x0 + stride
      let a00 = f32x4.splat(0)
      let a01 = f32x4.splat(0)
      let a10 = f32x4.splat(0)
      let a11 = f32x4.splat(0)
      let a20 = f32x4.splat(0)
      let a21 = f32x4.splat(0)
      let a30 = f32x4.splat(0)
      let a31 = f32x4.splat(0)
      for (let i = 0; i < vd; i += 4) {
        const o = (<usize>i) << 2
        const v0 = v128.load(x0 + o)
        const v1 = v128.load(x1 + o)
        let w = v128.load(q0 + o)
        a00 = mac(a00, w, v0, l2)
        a01 = mac(a01, w, v1, l2)
        w = v128.load(q1 + o)
        a10 = mac(a10, w, v0, l2)
        a11 = mac(a11, w, v1, l2)
        w = v128.load(q2 + o)
        a20 = mac(a20, w, v0, l2)
        a21 = mac(a21, w, v1, l2)
        w = v128.load(q3 + o)
        a30 = mac(a30, w, v0, l2)
        a31 = mac(a31, w, v1, l2)
      }
      const c = (<usize>r) << 2
      store<f32>(o0 + c, hsum(a00) + tail(q0, x0, vd, dim, l2))
      store<f32>(o0 + c + 4, hsum(a01) + tail(q0, x1, vd, dim, l2))
      store<f32>(o1 + c, hsum(a10) + tail(q1, x0, vd, dim, l2))
      store<f32>(o1 + c + 4, hsum(a11) + tail(q1, x1, vd, dim, l2))
      store<f32>(o2 + c, hsum(a20) + tail(q2, x0, vd, dim, l2))
      store<f32>(o2 + c + 4, hsum(a21) + tail(q2, x1, vd, dim, l2))
      store<f32>(o3 + c, hsum(a30) + tail(q3, x0, vd, dim, l2))
      store<f32>(o3 + c + 4, hsum(a31) + tail(q3, x1, vd, dim, l2))
    }
    if (r < n) {
      const x0 = rows + <usize>r * stride
      let a0 = f32x4.splat(0)
      let a1 = f32x4.splat(0)
      let a2 = f32x4.splat(0)
      let a3 = f32x4.splat(0)
      for (let i = 0; i < vd; i += 4) {
        const o = (<usize>i) << 2
        const v0 = v128.load(x0 + o)
        a0 = mac(a0, v128.load(q0 + o), v0, l2)
        a1 = mac(a1, v128.load(q1 + o), v0, l2)
        a2 = mac(a2, v128.load(q2 + o), v0, l2)
        a3 = mac(a3, v128.load(q3 + o), v0, l2)
      }
      const c = (<usize>r) << 2
      store<f32>(o0 + c, hsum(a0) + tail(q0, x0, vd, dim, l2))
      store<f32>(o1 + c, hsum(a1) + tail(q1, x0, vd, dim, l2))
      store<f32>(o2 + c, hsum(a2) + tail(q2, x0, vd, dim, l2))
      store<f32>(o3 + c, hsum(a3) + tail(q3, x0, vd, dim, l2))
    }
  }
  // the last queries (fewer than four): four rows at a time, one accumulator per row, so the
  // additions of one (query, row) pair happen in the same order as above
  for (; q < nq; q++) {
    const q0 = queries + <usize>q * stride
    const o0 = out + <usize>q * outStride
    let r = 0
    for (; r + 4 <= n; r += 4) {
      const x0 = rows + <usize>r * stride
      const x1 = x0 + stride
      const x2 = x1 + stride
      const x3 = x2 + stride
      let a0 = f32x4.splat(0)
      let a1 = f32x4.splat(0)
      let a2 = f32x4.splat(0)
      let a3 = f32x4.splat(0)
      for (let i = 0; i < vd; i += 4) {
        const o = (<usize>i) << 2
        const w = v128.load(q0 + o)
        a0 = mac(a0, w, v128.load(x0 + o), l2)
        a1 = mac(a1, w, v128.load(x1 + o), l2)
        a2 = mac(a2, w, v128.load(x2 + o), l2)
        a3 = mac(a3, w, v128.load(x3 + o), l2)
      }
      const c = o0 + ((<usize>r) << 2)
      store<f32>(c, hsum(a0) + tail(q0, x0, vd, dim, l2))
      store<f32>(c + 4, hsum(a1) + tail(q0, x1, vd, dim, l2))
      store<f32>(c + 8, hsum(a2) + tail(q0, x2, vd, dim, l2))
      store<f32>(c + 12, hsum(a3) + tail(q0, x3, vd, dim, l2))
    }
    for (; r < n; r++) {
      const x0 = rows + <usize>r * stride
      let a0 = f32x4.splat(0)
      for (let i = 0; i < vd; i += 4) {
        const o = (<usize>i) << 2
        a0 = mac(a0, v128.load(q0 + o), v128.load(x0 + o), l2)
      }
      store<f32>(o0 + ((<usize>r) << 2), hsum(a0) + tail(q0, x0, vd, dim, l2))
    }
  }
}

/** out[q * n + r] = queries[q] . rows[r] */
export function dotTile(queries: usize, nq: i32, rows: usize, n: i32, dim: i32, out: usize): void {
  tile(queries, nq, rows, n, dim, out, false)
}

/** out[q * n + r] = |queries[q] - rows[r]|^2 */
export function l2Tile(queries: usize, nq: i32, rows: usize, n: i32, dim: i32, out: usize): void {
  tile(queries, nq, rows, n, dim, out, true)
}

/** out[r] = |rows[r]|^2 */
export function squaredNorms(rows: usize, n: i32, dim: i32, out: usize): void {
  const vd = dim & ~3
  const stride = (<usize>dim) << 2
  for (let r = 0; r < n; r++) {
    const x = rows + <usize>r * stride
    let a = f32x4.splat(0)
    for (let i = 0; i < vd; i += 4) {
      const v = v128.load(x + ((<usize>i) << 2))
      a = f32x4.add(a, f32x4.mul(v, v))
    }
    store<f32>(out + ((<usize>r) << 2), hsum(a) + tail(x, x, vd, dim, false))
  }
}

/** out[r] = 1 / |rows[r]| (0 for a zero row). */
export function inverseNorms(rows: usize, n: i32, dim: i32, out: usize): void {
  const vd = dim & ~3
  const stride = (<usize>dim) << 2
  for (let r = 0; r < n; r++) {
    const x = rows + <usize>r * stride
    let a = f32x4.splat(0)
    for (let i = 0; i < vd; i += 4) {
      const v = v128.load(x + ((<usize>i) << 2))
      a = f32x4.add(a, f32x4.mul(v, v))
    }
    const s = hsum(a) + tail(x, x, vd, dim, false)
    store<f32>(out + ((<usize>r) << 2), s > 0 ? <f32>1 / Mathf.sqrt(s) : 0)
  }
}

// A bounded top-k per query is a min-heap of k (score, id) pairs whose root is the worst kept:
// a lower score, or for equal scores the larger id (so ties keep the lower row number).

// @ts-expect-error: decorator
@inline
function worse(sa: f32, ia: i32, sb: f32, ib: i32): bool {
  return sa < sb || (sa == sb && ia > ib)
}

function replaceRoot(hs: usize, hi: usize, k: i32, s: f32, id: i32): void {
  let p = 0
  while (true) {
    const l = 2 * p + 1
    if (l >= k) break
    let c = l
    let cs = load<f32>(hs + ((<usize>l) << 2))
    let ci = load<i32>(hi + ((<usize>l) << 2))
    if (l + 1 < k) {
      const rs = load<f32>(hs + ((<usize>(l + 1)) << 2))
      const ri = load<i32>(hi + ((<usize>(l + 1)) << 2))
      if (worse(rs, ri, cs, ci)) {
        c = l + 1
        cs = rs
        ci = ri
      }
    }
    if (!worse(cs, ci, s, id)) break
    store<f32>(hs + ((<usize>p) << 2), cs)
    store<i32>(hi + ((<usize>p) << 2), ci)
    p = c
  }
  store<f32>(hs + ((<usize>p) << 2), s)
  store<i32>(hi + ((<usize>p) << 2), id)
}

/** Empties nq heaps of k: scores -Infinity, ids i32 max. */
export function resetHeaps(heapScores: usize, heapIds: usize, count: i32): void {
  for (let i = 0; i < count; i++) {
    store<f32>(heapScores + ((<usize>i) << 2), -Infinity)
    store<i32>(heapIds + ((<usize>i) << 2), i32.MAX_VALUE)
  }
}

/**
 * Offers the scores of a tile to each query's heap. `mode` 0 keeps the inner product, 1 scales it by
 * `norms[r]` (inverse norms: cosine, queries already unit length), 2 negates it (squared L2: nearer
 * is higher), 3 turns an inner product into `2 q.x - |x|^2` with `norms[r]` = |x|^2 (squared L2 up to
 * the query's own |q|^2: nearer is higher).
 * A row's id is `ids[r]` when `ids` is not 0, else `rowBase + r`; `mask` (one byte per row, 0 = skip)
 * applies when not 0.
 */
export function selectTopK(
  scores: usize,
  nq: i32,
  n: i32,
  k: i32,
  heapScores: usize,
  heapIds: usize,
  mode: i32,
  norms: usize,
  rowBase: i32,
  ids: usize,
  mask: usize,
): void {
  for (let q = 0; q < nq; q++) {
    const row = scores + <usize>q * ((<usize>n) << 2)
    const hs = heapScores + <usize>q * ((<usize>k) << 2)
    const hi = heapIds + <usize>q * ((<usize>k) << 2)
    let minS = load<f32>(hs)
    let minI = load<i32>(hi)
    for (let r = 0; r < n; r++) {
      if (mask != 0 && load<u8>(mask + <usize>r) == 0) continue
      let s = load<f32>(row + ((<usize>r) << 2))
      if (mode == 1) s *= load<f32>(norms + ((<usize>r) << 2))
      else if (mode == 2) s = -s
      else if (mode == 3) s = s + s - load<f32>(norms + ((<usize>r) << 2))
      if (s < minS) continue
      const id = ids != 0 ? load<i32>(ids + ((<usize>r) << 2)) : rowBase + r
      if (s == minS && id >= minI) continue
      replaceRoot(hs, hi, k, s, id)
      minS = load<f32>(hs)
      minI = load<i32>(hi)
    }
  }
}

/** The index of the first NaN or +-Infinity among `count` float32 values at `values`, or -1. */
export function firstNonFinite(values: usize, count: i32): i32 {
  const zero = f32x4.splat(0)
  const vc = count & ~3
  for (let i = 0; i < vc; i += 4) {
    const v = v128.load(values + ((<usize>i) << 2))
    // x - x is 0 for every finite x, NaN for NaN and +-Infinity
    if (v128.any_true(f32x4.ne(f32x4.sub(v, v), zero))) {
      for (let j = i; j < i + 4; j++) {
        const x = load<f32>(values + ((<usize>j) << 2))
        if (x - x != 0) return j
      }
    }
  }
  for (let j = vc; j < count; j++) {
    const x = load<f32>(values + ((<usize>j) << 2))
    if (x - x != 0) return j
  }
  return -1
}
