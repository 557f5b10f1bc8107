import { spawnSync } from 'node:child_process'
import type { Metric } from '../metric.js'
import type { Hit } from './reference.js'

let available: boolean | undefined

/** True when `python3` with NumPy runs here. */
export function hasNumpy(): boolean {
  available ??= spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0
  return available
}

/** Runs a Python program with NumPy imported as `np`, returning its stdout. */
export function python(code: string, input?: string): string {
  const run = spawnSync('python3', ['-c', `import json, sys\nimport numpy as np\n${code}`], {
    encoding: 'utf8',
    input,
    maxBuffer: 256 * 1024 * 1024,
  })
  if (run.status !== 0) throw new Error(`python3 failed: ${run.stderr}`)
  return run.stdout
}

/** Writes `n x d` float32 rows drawn by NumPy from a seeded normal distribution to `path` with `np.save`. */
export function numpyRandom(path: string, n: number, d: number, seed: number): void {
  python(
    `rng = np.random.default_rng(${seed})\nnp.save(${JSON.stringify(path)}, rng.standard_normal((${n}, ${d})).astype(np.float32))`,
  )
}

/** One reference case: the metric, k, and which rows may be returned (all when absent). */
export interface ReferenceCase {
  metric: Metric
  k: number
  allowed?: number[]
}

/**
 * Exact top-k by NumPy in float64 for each case: scores of every (query, row) pair, then a stable
 * sort (ties by lower index). Cosine of a zero vector scores 0.
 */
export function numpyTopK(rowsPath: string, queriesPath: string, cases: ReferenceCase[]): Hit[][][] {
  const out = python(
    `
X = np.load(${JSON.stringify(rowsPath)}).astype(np.float64)
Q = np.load(${JSON.stringify(queriesPath)}).astype(np.float64)
cases = json.load(sys.stdin)
result = []
for case in cases:
    idx = np.arange(len(X)) if case.get('allowed') is None else np.array(case['allowed'], dtype=np.int64)
    A = X[idx]
    m = case['metric']
    if m == 'dot':
        S = Q @ A.T
    elif m == 'cosine':
        qn = np.linalg.norm(Q, axis=1)[:, None]
        an = np.linalg.norm(A, axis=1)[None, :]
        with np.errstate(divide='ignore', invalid='ignore'):
            S = np.where((qn > 0) & (an > 0), (Q @ A.T) / (qn * an), 0.0)
    else:
        D = np.sqrt(((Q[:, None, :] - A[None, :, :]) ** 2).sum(axis=2))
        S = 1.0 / (1.0 + D)
    hits = []
    for q in range(len(Q)):
        order = np.argsort(-S[q], kind='stable')[: case['k']]
        hits.append([{'index': int(idx[j]), 'score': float(S[q, j])} for j in order])
    result.append(hits)
print(json.dumps(result))
`,
    JSON.stringify(cases),
  )
  return JSON.parse(out) as Hit[][][]
}
