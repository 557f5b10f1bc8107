import { describe, expect, it } from 'vitest'
import { StreamingDataLoader } from '../loader.js'
import type { ReadContext } from '../pass.js'
import { RecordBatch } from '../record-batch.js'
import type { DataUnit } from './units.js'

/** 6 units of 3 batches of 4 rows; logs each unit's open, first batch and close. */
class TracedUnits extends StreamingDataLoader<{ id: number }> {
  readonly log: string[] = []
  live = 0
  readonly #fail: number | undefined

  constructor(fail?: number) {
    super({ batchSize: 4, prefetchBatches: 0 })
    this.#fail = fail
  }

  override async listUnits(): Promise<DataUnit[]> {
    return Array.from({ length: 6 }, (_, u) => ({ id: `u${u}`, rows: 12 }))
  }

  override async *readUnit(
    unit: DataUnit,
    offset: number,
    ctx: ReadContext,
  ): AsyncGenerator<RecordBatch<{ id: number }>> {
    const u = Number(unit.id.slice(1))
    this.log.push(`open ${u}`)
    this.live++
    try {
      if (u === this.#fail) throw new Error(`unit ${u} is unreadable`)
      for (let at = offset; at < 12; at += ctx.batchSize) {
        await new Promise((resolve) => setTimeout(resolve, 1))
        yield RecordBatch.fromColumns<{ id: number }>({
          id: Int32Array.from({ length: 4 }, (_, i) => u * 12 + at + i),
        })
      }
    } finally {
      this.live--
      this.log.push(`close ${u}`)
    }
  }

  protected async *readBatches(ctx: ReadContext): AsyncGenerator<RecordBatch<{ id: number }>> {
    for (const unit of await this.listUnits()) yield* this.readUnit(unit, 0, ctx)
  }
}

describe('a sharded pass reads one unit ahead', () => {
  it('opens the next unit while the current one is consumed, and gives the same rows', async () => {
    const loader = new TracedUnits()
    const ids: number[] = []
    const opensSeen: number[] = []
    for await (const batch of loader.toDataset().shard({ rank: 0, worldSize: 1 })) {
      ids.push(...(batch.column('id') as Int32Array))
      opensSeen.push(loader.log.filter((l) => l.startsWith('open')).length)
    }
    expect(ids).toEqual(Array.from({ length: 72 }, (_, i) => i))
    // unit 1 is open before unit 0's second batch is handed over
    expect(loader.log.indexOf('open 1')).toBeLessThan(loader.log.indexOf('close 0'))
    expect(opensSeen[1]).toBe(2)
    expect(loader.live).toBe(0)
  })

  it('closes the unit read ahead when the consumer breaks', async () => {
    const loader = new TracedUnits()
    let n = 0
    for await (const _ of loader.toDataset().shard({ rank: 0, worldSize: 1 })) if (++n === 2) break
    expect(loader.log).toContain('open 1')
    expect(loader.live).toBe(0)
    expect(loader.log.filter((l) => l.startsWith('close')).length).toBe(
      loader.log.filter((l) => l.startsWith('open')).length,
    )
  })

  it('a unit read ahead that fails surfaces its error when its turn comes, after the rows before it', async () => {
    const loader = new TracedUnits(2)
    const ids: number[] = []
    const err = await (async () => {
      for await (const batch of loader.toDataset().shard({ rank: 0, worldSize: 1 }))
        ids.push(...(batch.column('id') as Int32Array))
    })().catch((e: unknown) => e)
    expect((err as Error).message).toContain('unit 2 is unreadable')
    expect(ids).toEqual(Array.from({ length: 24 }, (_, i) => i))
    expect(loader.live).toBe(0)
  })
})
