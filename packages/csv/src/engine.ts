import type { RecordBatch } from '@sd/core'
import type { CsvLayout } from './layout.js'

/**
 * A CSV parser fed the bytes of a file chunk by chunk, producing typed columnar batches: the
 * byte-level tokenizer or csv-parse, behind one interface. `write` and `end` throw the first
 * error (an `SdError`) under the `'error'` policies.
 */
export interface CsvParser {
  /** The column types, once decided. */
  readonly layout: CsvLayout | undefined
  /** Parses the next chunk (fresh memory the engine may keep). */
  write(chunk: Uint8Array): void
  /** Parses what is left at the end of the input. */
  end(): void
  /** The batches completed so far, handing them over. */
  takeBatches(): RecordBatch[]
}
