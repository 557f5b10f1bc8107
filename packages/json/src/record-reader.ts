import type { ErrorLocation } from '@sd/core'
import type { ColumnBuilder } from './column-builder.js'

/**
 * Turns the bytes of a file into records for a {@link ColumnBuilder}. The loader pushes chunks in
 * file order and, after each push, calls {@link RecordReader.fill} until it returns false.
 */
export interface RecordReader {
  /** Takes the next chunk of the file. Only called once `fill` returned false. */
  push(chunk: Buffer): void
  /** No more chunks: what remains (a last line without a newline) becomes readable. */
  end(): void
  /**
   * Adds records to `builder` until it holds a full batch (returns true: take it and call again)
   * or the pushed bytes are used up (returns false: push more).
   */
  fill(builder: ColumnBuilder): boolean
  /** True once the reader needs no more input (the records' array ended). */
  readonly done: boolean
  /** File, line and, when known, byte of `line`, for error messages. */
  locate(line: number): ErrorLocation
}
