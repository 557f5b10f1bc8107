import { WorkerPool, workerModule } from '@sd/core'
const module = new URL('../packages/parquet/src/decode-worker.ts', import.meta.url)
for (let i = 0; i < 3; i++) {
  const c0 = process.cpuUsage(); const t0 = performance.now()
  const pool = new WorkerPool({ module, size: 2, name: 'x' })
  // a task that fails fast: measures spawn + module load
  await Promise.allSettled([pool.run({} as never), pool.run({} as never)])
  await pool.close()
  const c = process.cpuUsage(c0)
  console.log('spawn+load 2 workers: wall', (performance.now() - t0).toFixed(0), 'ms, cpu', ((c.user + c.system) / 1000).toFixed(0), 'ms')
}
