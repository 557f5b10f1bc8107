import { describe, expect, it } from 'vitest'
import type { PieceMessage } from './decode-task.js'
import { groupPieces } from './piece-groups.js'

function piece(job: number, rows: number, last: boolean): { message: PieceMessage; transfer: ArrayBuffer[] } {
  const buffer = new ArrayBuffer(rows)
  return {
    message: { job, rows, kept: rows, bytes: 0, last, columns: [] },
    transfer: [buffer],
  }
}

async function* from<T>(items: T[]): AsyncGenerator<T> {
  for (const item of items) yield item
}

describe('groupPieces', () => {
  it('gathers pieces into messages of at least minRows, ending each at its row group', async () => {
    const pieces = [
      piece(0, 10, false),
      piece(0, 10, false),
      piece(0, 10, false),
      piece(0, 5, true),
      piece(1, 30, false),
      piece(1, 1, true),
    ]
    const groups = []
    for await (const g of groupPieces(from(pieces), 20)) groups.push(g)
    expect(groups.map((g) => g.message.map((m) => m.rows))).toEqual([[10, 10], [10, 5], [30], [1]])
    // every piece's buffers travel with its message, in order
    expect(groups.flatMap((g) => g.transfer)).toEqual(pieces.flatMap((p) => p.transfer))
  })

  it('sends what is left when the pieces stop before a last one (an aborted row group)', async () => {
    const groups = []
    for await (const g of groupPieces(from([piece(0, 3, false)]), 20)) groups.push(g)
    expect(groups.map((g) => g.message.length)).toEqual([1])
  })

  it('sends the pieces gathered before an error, then the error', async () => {
    async function* failing() {
      yield piece(0, 10, false)
      yield piece(0, 10, false)
      throw new Error('corrupt page')
    }
    const groups: number[][] = []
    const error = await (async () => {
      for await (const g of groupPieces(failing(), 100)) groups.push(g.message.map((m) => m.rows))
    })().catch((e: unknown) => e)
    expect(groups).toEqual([[10, 10]])
    expect((error as Error).message).toBe('corrupt page')
  })
})
