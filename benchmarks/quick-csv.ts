import { loadCsv } from '@sd/csv'
import { udsv } from './csv/peers.ts'
import { csvFile, defaultDataDir } from './lib/data.ts'

const file = csvFile(defaultDataDir(), 1_000_000)
async function ours(prefetchBatches: number) {
  let n = 0
  for await (const b of loadCsv(file, { cacheEnabled: false, prefetchBatches })) n += b.numRows
  return n
}
const runs: Record<string, () => Promise<number>> = {
  ours: () => ours(2),
  ours0: () => ours(0),
  udsv: () => udsv(file),
}
const times: Record<string, number[]> = { ours: [], ours0: [], udsv: [] }
const cpu: Record<string, number[]> = { ours: [], ours0: [], udsv: [] }
for (let r = 0; r < 7; r++)
  for (const [k, f] of Object.entries(runs)) {
    const c = process.cpuUsage()
    const t = performance.now()
    await f()
    times[k]!.push(performance.now() - t)
    const u = process.cpuUsage(c)
    cpu[k]!.push((u.user + u.system) / 1000)
  }
for (const [k, v] of Object.entries(times)) {
  v.sort((a, b) => a - b)
  const c = cpu[k]!.sort((a, b) => a - b)
  console.log(
    k,
    'wall min',
    v[0]!.toFixed(0),
    'median',
    v[3]!.toFixed(0),
    ' cpu min',
    c[0]!.toFixed(0),
    'median',
    c[3]!.toFixed(0),
  )
}
