import {
  FormatError,
  openTextSource,
  type RangeReader,
  RecordBatch,
  throwIfAborted,
  Utf8Builder,
  Utf8Checker,
} from '@sd/core'

/** What one pass over a plain text file reads. */
export interface TextLinesOptions {
  batchSize: number
  chunkBytes: number
  signal: AbortSignal | undefined
  /** Longest line, in bytes. */
  maxRecordBytes: number
}

const LF = 0x0a
const CR = 0x0d
const FIELD = [{ name: 'text', type: 'string' as const, nullable: false }]

/**
 * A plain text file (`.txt`, gzip recognised by its magic bytes) as rows `{ text }`, one per line
 * without its line break (`\n` or `\r\n`), empty lines included: what the `datasets` library's
 * text builder gives. Lines go from the bytes straight into a string column (offsets and bytes);
 * invalid UTF-8 is a `FormatError` (`INVALID_UTF8`) naming the line and byte, a line longer than
 * `maxRecordBytes` one with `RECORD_TOO_LARGE`.
 */
export async function* readTextLines(
  source: RangeReader,
  options: TextLinesOptions,
): AsyncGenerator<RecordBatch> {
  const { batchSize, signal } = options
  const text = await openTextSource(source, { chunkBytes: options.chunkBytes, signal })
  const url = source.name
  const checker = new Utf8Checker()
  // where the chunk being checked starts: its first byte's offset and line
  let chunk: Uint8Array = new Uint8Array(0)
  let chunkStart = 0
  let chunkLine = 1
  const invalid = (byte: number) => {
    let at = chunkLine
    for (let i = 0; i < byte - chunkStart; i++) if (chunk[i] === LF) at++
    throw new FormatError('Expected UTF-8 text, found an invalid byte sequence', {
      code: 'INVALID_UTF8',
      location: { url, line: at, byte },
    })
  }
  let builder = new Utf8Builder(batchSize)
  let carry: Uint8Array[] = []
  let carried = 0
  let line = 1
  const take = (piece: Uint8Array) => {
    let bytes = piece
    if (carry.length > 0) {
      bytes = Buffer.concat([...carry, piece], carried + piece.length)
      carry = []
      carried = 0
    }
    const end = bytes.length > 0 && bytes[bytes.length - 1] === CR ? bytes.length - 1 : bytes.length
    builder.appendBytes(bytes, 0, end)
    line++
  }
  const full = () => builder.length === batchSize
  const flush = () => {
    const batch = RecordBatch.fromData(FIELD, [builder.finish('string')])
    builder = new Utf8Builder(batchSize)
    return batch
  }
  try {
    for await (const next of text.chunks) {
      throwIfAborted(signal)
      chunk = next
      chunkLine = line
      checker.check(chunk, invalid)
      chunkStart += chunk.length
      let start = 0
      for (let nl = chunk.indexOf(LF); nl !== -1; nl = chunk.indexOf(LF, start)) {
        take(chunk.subarray(start, nl))
        start = nl + 1
        if (full()) yield flush()
      }
      if (start < chunk.length) {
        carry.push(chunk.slice(start))
        carried += chunk.length - start
        if (carried > options.maxRecordBytes) {
          throw new FormatError(
            `Expected lines of at most ${options.maxRecordBytes} bytes, line ${line} is longer`,
            {
              code: 'RECORD_TOO_LARGE',
              location: { url, line },
            },
          )
        }
      }
    }
    checker.end(invalid)
    if (carried > 0) take(new Uint8Array(0))
    if (builder.length > 0) yield flush()
  } finally {
    await text.close()
  }
}
