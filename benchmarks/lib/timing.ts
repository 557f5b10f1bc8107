import { Bench } from 'tinybench'

/** Latency figures of one task, in milliseconds. */
export interface Timing {
  /** Median over every sample of every round. */
  p50Ms: number
  meanMs: number
  minMs: number
  samples: number
  /** The median of each round, in round order (pair them across tasks for drift-free ratios). */
  roundP50Ms: number[]
}

/** Options of {@link timeTasks}. */
export interface TimeOptions {
  /** Runs per task per round (after warm-up). Default 10. */
  iterations?: number
  /** Warm-up runs per task per round. Default 2. */
  warmupIterations?: number
  /**
   * Rounds: each round runs every task once more through tinybench, in alternating order, so
   * drift on a busy machine (other processes, thermal) hits every task alike. Default 3.
   */
  rounds?: number
}

/**
 * Times each task with tinybench (warm-up, then `iterations` runs) over several interleaved
 * rounds, and returns the median and mean latency per task over all samples.
 */
export async function timeTasks(
  tasks: Record<string, () => unknown>,
  options: TimeOptions = {},
): Promise<Record<string, Timing>> {
  const rounds = options.rounds ?? 3
  const samples = new Map<string, number[]>(Object.keys(tasks).map((name) => [name, []]))
  const roundMedians = new Map<string, number[]>(Object.keys(tasks).map((name) => [name, []]))
  const names = Object.keys(tasks)
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? names : [...names].reverse()
    const bench = new Bench({
      iterations: options.iterations ?? 10,
      time: 0,
      warmup: true,
      warmupIterations: options.warmupIterations ?? 2,
      warmupTime: 0,
      throws: true,
      retainSamples: true,
    })
    // async: true, so tinybench awaits every task inside the timed window; otherwise it probes a
    // task that is not declared `async` by calling it once, unawaited, overlapping the timed runs
    for (const name of order) bench.add(name, tasks[name] as () => unknown, { async: true })
    await bench.run()
    for (const task of bench.tasks) {
      const result = task.result as { latency?: { samples?: number[] } }
      const taken = result.latency?.samples
      if (!taken || taken.length === 0) throw new Error(`benchmark task "${task.name}" produced no samples`)
      samples.get(task.name)?.push(...taken)
      roundMedians.get(task.name)?.push(median(taken))
    }
  }
  const out: Record<string, Timing> = {}
  for (const [name, values] of samples) {
    out[name] = {
      p50Ms: median(values),
      meanMs: values.reduce((a, b) => a + b, 0) / values.length,
      minMs: Math.min(...values),
      samples: values.length,
      roundP50Ms: roundMedians.get(name) ?? [],
    }
  }
  return out
}

/** The median of `values` (NaN for none). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

/** The median over rounds of `a / b`, pairing the two tasks' round medians (drift cancels out). */
export function pairedRatio(a: Timing, b: Timing): number {
  return median(a.roundP50Ms.map((t, i) => t / (b.roundP50Ms[i] ?? Number.NaN)))
}
