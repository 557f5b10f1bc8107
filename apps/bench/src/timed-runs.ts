import { Bench } from 'tinybench'

/**
 * Runs `once` through tinybench: `warmup` unmeasured runs, then `runs` measured ones, one at a
 * time. Returns what every measured run returned, in order.
 */
export async function timedRuns<T>(
  name: string,
  runs: number,
  warmup: number,
  once: () => Promise<T>,
): Promise<T[]> {
  const results: T[] = []
  let measuring = false
  const bench = new Bench({
    iterations: runs,
    time: 0,
    warmup: warmup > 0,
    warmupIterations: warmup,
    warmupTime: 0,
    throws: true,
  })
  bench.add(
    name,
    async () => {
      const result = await once()
      if (measuring) results.push(result)
    },
    {
      async: true,
      beforeAll: (mode) => {
        measuring = mode !== 'warmup'
      },
    },
  )
  await bench.run()
  const task = bench.tasks[0]
  if (task?.result.state === 'errored') throw task.result.error
  if (results.length !== runs) {
    throw new Error(`tinybench ran ${results.length} measured runs of "${name}" where ${runs} were asked for`)
  }
  return results
}
