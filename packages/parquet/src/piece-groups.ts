import type { PieceMessage } from './decode-task.js'

/**
 * Rows a decode worker gathers into one message: small batches (10,000 rows) would otherwise cost
 * a message, and a wake-up of the thread that takes it, per batch.
 */
export const MESSAGE_ROWS = 65_536

/** Pieces of one row group sent as one message, with the buffers to transfer. */
export interface PieceGroup {
  message: PieceMessage[]
  transfer: ArrayBuffer[]
}

/**
 * Gathers the pieces of a row group into messages of at least `minRows` decoded rows (the row
 * group's last piece ends its message), in order. When the pieces fail, those gathered so far are
 * sent before the error.
 */
export async function* groupPieces(
  pieces: AsyncIterable<{ message: PieceMessage; transfer: ArrayBuffer[] }>,
  minRows = MESSAGE_ROWS,
): AsyncGenerator<PieceGroup> {
  let group: PieceGroup = { message: [], transfer: [] }
  let rows = 0
  try {
    for await (const piece of pieces) {
      group.message.push(piece.message)
      for (const buffer of piece.transfer) group.transfer.push(buffer)
      rows += piece.message.rows
      if (rows >= minRows || piece.message.last) {
        yield group
        group = { message: [], transfer: [] }
        rows = 0
      }
    }
  } catch (error) {
    // the pieces decoded before a corrupt page still arrive, then its error (as in this thread)
    if (group.message.length > 0) yield group
    throw error
  }
  if (group.message.length > 0) yield group
}
