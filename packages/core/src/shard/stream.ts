import { FormatError } from '../errors.js'
import { RecordBatch, type Row } from '../record-batch.js'
import { BlockRows } from './gather.js'
import { type Cursor, type Piece, type PieceReader, pieceRows, readPieces, type Segment } from './pieces.js'
import { blockKey } from './plan.js'
import { permutation } from './random.js'

/** The shuffle block a position is inside of: which, where it ends, its rows, how many went out. */
export interface BlockPosition {
  index: number
  end: Cursor
  rows: number
  emitted: number
}

/**
 * A position in a rank's stream: rows delivered, where reading resumes (the next row, or the
 * first row of the shuffle block under way), and, inside the padding, how many padding rows went
 * out.
 */
export interface Position {
  rows: number
  cursor: Cursor
  block?: BlockPosition
  pad?: number
}

/** What one rank reads in one pass. */
export interface StreamSpec {
  pieces: Piece[]
  /** Names the stream (shuffle block keys derive from it). */
  stream: string
  seed: number
  epoch: number
  /** Rows per shuffle block; 0 keeps rows in order. */
  bufferSize: number
  /** At most this many rows (every rank dropping to the shortest rank's count). */
  limit?: number | undefined
  /** Rows to reach by repeating `pieces` from their start (padding to the longest rank's count). */
  pad?: { target: number; pieces: Piece[] } | undefined
}

/** A batch of the stream and the position just after its last row. */
export type Step<R extends Row> = [batch: RecordBatch<R>, after: Position]

interface Chunk<R extends Row> {
  batch: RecordBatch<R>
  /** The position after `j` of the chunk's rows. */
  at: (j: number) => Position
}

/**
 * The rank's rows from `start` on, in batches of `batchSize`, each with the position after it:
 * pieces in order (blocks of `bufferSize` rows each permuted by its own key when shuffling), cut
 * at `limit`, then padding up to `pad.target`.
 */
export async function* runStream<R extends Row>(
  reader: PieceReader<R>,
  spec: StreamSpec,
  start: Position,
  batchSize: number,
): AsyncGenerator<Step<R>> {
  yield* rebatch(chunks(reader, spec, start), batchSize)
}

async function* chunks<R extends Row>(
  reader: PieceReader<R>,
  spec: StreamSpec,
  start: Position,
): AsyncGenerator<Chunk<R>> {
  const limit = spec.limit ?? Number.POSITIVE_INFINITY
  let rows = start.rows
  if (start.pad === undefined && rows < limit) {
    const main = spec.bufferSize > 0 ? shuffledChunks(reader, spec, start) : plainChunks(reader, spec, start)
    for await (const chunk of main) {
      const n = chunk.batch.numRows
      if (rows + n >= limit) {
        const keep = limit - rows
        if (keep > 0) yield keep === n ? chunk : { batch: chunk.batch.slice(0, keep), at: chunk.at }
        return
      }
      rows += n
      yield chunk
    }
  }
  if (spec.pad !== undefined) yield* padChunks(reader, spec, rows, start.pad ?? 0)
}

async function* plainChunks<R extends Row>(
  reader: PieceReader<R>,
  spec: StreamSpec,
  start: Position,
): AsyncGenerator<Chunk<R>> {
  let rows = start.rows
  for await (const { batch, piece, offset } of readPieces(reader, spec.pieces, start.cursor)) {
    const base = rows
    yield { batch, at: (j) => ({ rows: base + j, cursor: [piece, offset + j] }) }
    rows += batch.numRows
  }
}

async function* shuffledChunks<R extends Row>(
  reader: PieceReader<R>,
  spec: StreamSpec,
  start: Position,
): AsyncGenerator<Chunk<R>> {
  const size = spec.bufferSize
  const { batchSize } = reader.ctx
  const segments = readPieces(reader, spec.pieces, start.cursor)
  let pending: Segment<R> | undefined
  let cursor: Cursor = start.cursor
  let index = start.block?.index ?? Math.floor(start.rows / size)
  let base = index * size
  let first = start.block?.emitted ?? 0
  try {
    for (;;) {
      const blockStart = cursor
      const parts: RecordBatch<R>[] = []
      let n = 0
      while (n < size) {
        if (pending === undefined) {
          const next = await segments.next()
          if (next.done) break
          pending = next.value
        }
        const seg: Segment<R> = pending
        const take = Math.min(size - n, seg.batch.numRows)
        parts.push(take === seg.batch.numRows ? seg.batch : seg.batch.slice(0, take))
        cursor = [seg.piece, seg.offset + take]
        n += take
        pending =
          take === seg.batch.numRows
            ? undefined
            : { batch: seg.batch.slice(take), piece: seg.piece, offset: seg.offset + take }
      }
      if (n === 0) return
      const blockEnd = cursor
      if (start.block !== undefined && index === start.block.index) checkBlock(start.block, n, blockEnd)
      const block = new BlockRows(parts)
      const order = permutation(n, blockKey(spec.seed, spec.epoch, spec.stream, index))
      const blockIndex = index
      const blockBase = base
      for (let m = first; m < n; m += batchSize) {
        const from = m
        const batch = block.take(order, from, Math.min(n, from + batchSize))
        yield {
          batch,
          at: (j) =>
            from + j >= n
              ? { rows: blockBase + n, cursor: blockEnd }
              : {
                  rows: blockBase + from + j,
                  cursor: blockStart,
                  block: { index: blockIndex, end: blockEnd, rows: n, emitted: from + j },
                },
        }
      }
      first = 0
      base += n
      index++
      if (n < size) return
    }
  } finally {
    await segments.return(undefined)
  }
}

function checkBlock(expected: BlockPosition, rows: number, end: Cursor): void {
  if (rows !== expected.rows || end[0] !== expected.end[0] || end[1] !== expected.end[1]) {
    throw new FormatError(
      `The shuffle block under way at the checkpoint held ${expected.rows} rows ending at piece ${expected.end[0]}, row ${expected.end[1]}; reading it again gave ${rows} rows ending at piece ${end[0]}, row ${end[1]}: the data changed since the checkpoint`,
      { code: 'STATE_MISMATCH' },
    )
  }
}

async function* padChunks<R extends Row>(
  reader: PieceReader<R>,
  spec: StreamSpec,
  rowsStart: number,
  padStart: number,
): AsyncGenerator<Chunk<R>> {
  const pad = spec.pad
  if (pad === undefined || rowsStart >= pad.target) return
  const sizes = pad.pieces.map((p) => pieceRows(p, reader.units) ?? 0)
  const total = sizes.reduce((a, b) => a + b, 0)
  if (total === 0) return
  const mainEnd: Cursor = [spec.pieces.length, 0]
  let rows = rowsStart
  let padded = padStart
  while (rows < pad.target) {
    // start where the padding left off, found by the pieces' row counts
    let skip = padded % total
    let piece = 0
    while (skip >= (sizes[piece] as number)) skip -= sizes[piece++] as number
    for await (const { batch } of readPieces(reader, pad.pieces, [piece, skip])) {
      const n = Math.min(batch.numRows, pad.target - rows)
      const base = rows
      const padBase = padded
      yield {
        batch: n === batch.numRows ? batch : batch.slice(0, n),
        at: (j) => ({ rows: base + j, cursor: mainEnd, pad: padBase + j }),
      }
      rows += n
      padded += n
      if (rows >= pad.target) return
    }
  }
}

async function* rebatch<R extends Row>(
  source: AsyncIterable<Chunk<R>>,
  batchSize: number,
): AsyncGenerator<Step<R>> {
  let parts: RecordBatch<R>[] = []
  let n = 0
  let last: Chunk<R> | undefined
  let lastUsed = 0
  for await (const chunk of source) {
    const { batch } = chunk
    let used = 0
    while (used < batch.numRows) {
      const take = Math.min(batchSize - n, batch.numRows - used)
      parts.push(used === 0 && take === batch.numRows ? batch : batch.slice(used, used + take))
      used += take
      n += take
      if (n === batchSize) {
        yield [parts.length === 1 ? (parts[0] as RecordBatch<R>) : RecordBatch.concat(parts), chunk.at(used)]
        parts = []
        n = 0
      }
    }
    last = chunk
    lastUsed = used
  }
  if (n > 0 && last !== undefined) {
    yield [parts.length === 1 ? (parts[0] as RecordBatch<R>) : RecordBatch.concat(parts), last.at(lastUsed)]
  }
}
