import { BatchAccumulator, type RangeReader, type ReadContext, type RecordBatch } from '@sd/core'

/** One file of a split, opened for a pass by the format package that reads it. */
export interface OpenedFile {
  /** The file's batches, for this pass. */
  batches: AsyncIterable<RecordBatch>
  /** Releases what opening took (the file's range reader). */
  close(): Promise<void>
}

/**
 * The batches of `files` one file after the other, each opened by `open` (which hands it to a
 * format package), cut and joined into batches of exactly `ctx.batchSize` rows (the last may be
 * shorter). The next file is opened (its footer requested) as soon as the consumer asks for more
 * than the current file's first batch, so its footer is on its way while this file is read, and
 * the first batch of a pass costs only its own requests. Every file is closed when its batches
 * end, and the one opened ahead when the pass ends early.
 */
export async function* chainFiles<F>(
  files: readonly F[],
  open: (file: F) => Promise<OpenedFile>,
  ctx: ReadContext,
): AsyncGenerator<RecordBatch> {
  const acc = new BatchAccumulator(ctx.batchSize)
  let ahead: Promise<OpenedFile> | undefined
  try {
    for (const [index, file] of files.entries()) {
      const current = await (ahead ?? open(file))
      ahead = undefined
      const following = files[index + 1]
      try {
        for await (const batch of current.batches) {
          const full = acc.push(batch)
          for (const out of full) yield out
          if (full.length > 0 && following !== undefined && ahead === undefined) {
            ahead = open(following)
            // awaited when its turn comes (or in the finally): not an unhandled rejection meanwhile
            ahead.catch(() => undefined)
          }
        }
      } finally {
        await current.close()
      }
    }
    const rest = acc.flush()
    if (rest) yield rest
  } finally {
    if (ahead)
      await ahead.then(
        (f) => f.close(),
        () => undefined,
      )
  }
}

/**
 * `reader` with every read's size reported to `count` (for the loader's statistics); closing it
 * closes the reader.
 */
export function countingReader(reader: RangeReader, count: (bytes: number) => void): RangeReader {
  return {
    name: reader.name,
    byteLength: reader.byteLength,
    version: reader.version,
    async read(start, end, signal) {
      const bytes = await reader.read(start, end, signal)
      count(bytes.byteLength)
      return bytes
    },
    close: () => reader.close(),
  }
}
