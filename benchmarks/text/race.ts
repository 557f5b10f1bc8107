/**
 * Timing of text readers: every reader once per round, in an order that rotates, so load from
 * other processes hits the readers of a round alike; a warm-up round first. Each task checks the
 * records it read.
 */
import { median, type Timing } from '../lib/timing.ts'

/** A reader of one file: records read and a checksum of every value it consumed. */
export type Reader = () => Promise<{ rows: number; sink: number }>

/** Times each reader over `rounds` rounds (after a warm-up round); medians and per-round times. */
export async function race(
  readers: Record<string, Reader>,
  rows: number,
  rounds: number,
): Promise<Record<string, Timing>> {
  const names = Object.keys(readers)
  const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]))
  let sink = 0
  for (let round = -1; round < rounds; round++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + Math.max(round, 0)) % names.length] as string
      const t0 = performance.now()
      const r = await (readers[name] as Reader)()
      const ms = performance.now() - t0
      if (r.rows !== rows) throw new Error(`${name} read ${r.rows} records, expected ${rows}`)
      sink += r.sink
      if (round >= 0) times[name]?.push(ms)
    }
  }
  // keeps the consumers' work observable
  if (Number.isNaN(sink)) console.log('checksum', sink)
  const out: Record<string, Timing> = {}
  for (const name of names) {
    const values = times[name] ?? []
    out[name] = {
      p50Ms: median(values),
      meanMs: values.reduce((a, b) => a + b, 0) / values.length,
      minMs: Math.min(...values),
      samples: values.length,
      roundP50Ms: values,
    }
  }
  return out
}
