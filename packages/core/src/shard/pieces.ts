import { FormatError, throwIfAborted } from '../errors.js'
import type { ReadContext } from '../pass.js'
import type { RecordBatch, Row } from '../record-batch.js'
import { BlockRows } from './gather.js'
import { permutation } from './random.js'
import type { DataUnit, UnitSource } from './units.js'

/** Rows `[start, end)` of unit number `unit` (to the unit's end when `end` is absent). */
export interface RangePiece {
  unit: number
  start: number
  end?: number
}

/**
 * A shuffle block carried over from another rank's stream (elastic resume): the rows of `parts`,
 * read in order (`rows` of them), permuted by the permutation of `key`, output positions
 * `[from, to)`.
 */
export interface BlockPiece {
  parts: Piece[]
  key: string
  rows: number
  from: number
  to: number
}

/** A run of rows a stream reads: part of a unit, or part of a shuffle block. */
export type Piece = RangePiece | BlockPiece

/** A position in a list of pieces: piece index and rows into that piece's output. */
export type Cursor = [piece: number, offset: number]

export function isBlockPiece(piece: Piece): piece is BlockPiece {
  return 'parts' in piece
}

/** Rows a piece yields, when known without reading it. */
export function pieceRows(piece: Piece, units: readonly DataUnit[]): number | undefined {
  if (isBlockPiece(piece)) return piece.to - piece.from
  if (piece.end !== undefined) return piece.end - piece.start
  const rows = units[piece.unit]?.rows
  return rows === undefined ? undefined : Math.max(0, rows - piece.start)
}

/** Rows of a list of pieces, when every piece knows its count. */
export function piecesRows(pieces: readonly Piece[], units: readonly DataUnit[]): number | undefined {
  let total = 0
  for (const piece of pieces) {
    const rows = pieceRows(piece, units)
    if (rows === undefined) return undefined
    total += rows
  }
  return total
}

/** What a piece weighs when work is split among ranks: its rows, else its unit's bytes, else 1. */
export function pieceWeight(piece: Piece, units: readonly DataUnit[]): number {
  const rows = pieceRows(piece, units)
  if (rows !== undefined) return rows
  if (isBlockPiece(piece)) return piece.to - piece.from
  const unit = units[piece.unit]
  return unit?.bytes ?? 1
}

/** Output rows `[a, b)` of a piece, as a piece (`b` absent: to its end). */
export function trimPiece(piece: Piece, a: number, b?: number): Piece {
  if (isBlockPiece(piece))
    return { ...piece, from: piece.from + a, to: b === undefined ? piece.to : piece.from + b }
  const out: RangePiece = { unit: piece.unit, start: piece.start + a }
  const end = b === undefined ? piece.end : piece.start + b
  if (end !== undefined) out.end = end
  return out
}

/** The pieces between two cursors (`to` absent: to the end). */
export function slicePieces(pieces: readonly Piece[], from: Cursor, to?: Cursor): Piece[] {
  const out: Piece[] = []
  const [fi, fo] = from
  const [ti, to_] = to ?? [pieces.length, 0]
  for (let i = fi; i < pieces.length && i <= ti; i++) {
    const piece = pieces[i] as Piece
    const a = i === fi ? fo : 0
    const b = i === ti ? to_ : undefined
    if (b !== undefined && b <= a) continue
    out.push(a === 0 && b === undefined ? piece : trimPiece(piece, a, b))
  }
  return out
}

/** The first `rows` rows of `pieces` (every piece must know its row count). */
export function limitPieces(pieces: readonly Piece[], rows: number, units: readonly DataUnit[]): Piece[] {
  const out: Piece[] = []
  let left = rows
  for (const piece of pieces) {
    if (left <= 0) break
    const n = pieceRows(piece, units) ?? Number.POSITIVE_INFINITY
    out.push(n <= left ? piece : trimPiece(piece, 0, left))
    left -= n
  }
  return out
}

/** A run of rows read from a stream of pieces: `batch` starts at output row `offset` of piece `piece`. */
export interface Segment<R extends Row> {
  batch: RecordBatch<R>
  piece: number
  offset: number
}

/** Everything reading pieces needs. */
export interface PieceReader<R extends Row> {
  source: UnitSource<R>
  units: readonly DataUnit[]
  ctx: ReadContext
}

/**
 * The rows of `pieces` from `cursor` on, as segments that know where they start. While a piece is
 * read, the next one is opened and its first batch requested (for a source that can be read in
 * any order), so its bytes are on their way, from a remote store too, while this one is decoded
 * and consumed; at most one piece is read ahead.
 */
export async function* readPieces<R extends Row>(
  reader: PieceReader<R>,
  pieces: readonly Piece[],
  cursor: Cursor,
): AsyncGenerator<Segment<R>> {
  const ahead = reader.source.sequential !== true
  let next: Opened<R> | undefined
  try {
    for (let i = cursor[0]; i < pieces.length; i++) {
      let offset = i === cursor[0] ? cursor[1] : 0
      const current = next ?? openPiece(reader, pieces[i] as Piece, offset)
      next = undefined
      try {
        for (let step = await current.first; !step.done; step = await current.it.next()) {
          if (ahead && next === undefined && i + 1 < pieces.length) {
            next = openPiece(reader, pieces[i + 1] as Piece, 0)
          }
          yield { batch: step.value, piece: i, offset }
          offset += step.value.numRows
        }
      } finally {
        await current.it.return?.(undefined)
      }
    }
  } finally {
    if (next !== undefined) await closeOpened(next)
  }
}

/** A piece being read: its batches, the first already requested. */
interface Opened<R extends Row> {
  it: AsyncGenerator<RecordBatch<R>>
  first: Promise<IteratorResult<RecordBatch<R>>>
}

function openPiece<R extends Row>(reader: PieceReader<R>, piece: Piece, offset: number): Opened<R> {
  const it = readPiece(reader, piece, offset)
  const first = it.next()
  // awaited when its turn comes, or by closeOpened: not an unhandled rejection meanwhile
  first.catch(() => undefined)
  return { it, first }
}

/** Waits for a piece read ahead and closes it (its error, if any, belongs to a read never made). */
async function closeOpened<R extends Row>(opened: Opened<R>): Promise<void> {
  await opened.first.catch(() => undefined)
  await opened.it.return(undefined).catch(() => undefined)
}

/** The output rows of one piece from `offset` on. */
export async function* readPiece<R extends Row>(
  reader: PieceReader<R>,
  piece: Piece,
  offset: number,
): AsyncGenerator<RecordBatch<R>> {
  if (isBlockPiece(piece)) {
    yield* readBlockPiece(reader, piece, offset)
    return
  }
  const unit = reader.units[piece.unit]
  if (unit === undefined) {
    throw new FormatError(`A cursor names unit ${piece.unit}, but the dataset has ${reader.units.length}`, {
      code: 'STATE_MISMATCH',
      location: { index: piece.unit },
    })
  }
  let left = piece.end === undefined ? Number.POSITIVE_INFINITY : piece.end - piece.start - offset
  if (left <= 0) return
  for await (const batch of reader.source.readUnit(unit, piece.start + offset, reader.ctx)) {
    throwIfAborted(reader.ctx.signal)
    if (batch.numRows === 0) continue
    if (batch.numRows >= left) {
      yield batch.numRows === left ? batch : batch.slice(0, left)
      return
    }
    left -= batch.numRows
    yield batch
  }
}

async function* readBlockPiece<R extends Row>(
  reader: PieceReader<R>,
  piece: BlockPiece,
  offset: number,
): AsyncGenerator<RecordBatch<R>> {
  const parts: RecordBatch<R>[] = []
  let rows = 0
  for await (const segment of readPieces(reader, piece.parts, [0, 0])) {
    parts.push(segment.batch)
    rows += segment.batch.numRows
  }
  if (rows !== piece.rows) {
    throw new FormatError(
      `A shuffle block carried over from a checkpoint should hold ${piece.rows} rows, but its units now give ${rows}: the data changed since the checkpoint`,
      { code: 'STATE_MISMATCH' },
    )
  }
  const block = new BlockRows(parts)
  const order = permutation(piece.rows, piece.key)
  const { batchSize } = reader.ctx
  for (let at = piece.from + offset; at < piece.to; at += batchSize) {
    yield block.take(order, at, Math.min(piece.to, at + batchSize))
  }
}
