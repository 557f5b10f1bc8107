import { throwIfAborted, ValidationError } from '../../errors.js'
import type { RecordBatch } from '../../record-batch.js'
import type { Field } from '../../schema.js'
import { AtomicFile } from '../atomic-file.js'

/** A source of batches a text writer takes: a dataset, or any (async) iterable of batches. */
export type TextWriteSource = AsyncIterable<RecordBatch> | Iterable<RecordBatch>

/** What a text writer wrote. */
export interface TextWriteResult {
  path: string
  numRows: number
  fileSizeBytes: number
}

/** How a text format lays batches out: a head, the rows of each batch, a tail. */
export interface TextEncoding {
  /** Text before the first row (a CSV header, `[`), from the schema. */
  head?(schema: Field[]): string
  /** The rows of one batch, in pieces (so a large batch never becomes one huge string). */
  rows(batch: RecordBatch, rowsBefore: number): Iterable<string>
  /** Text after the last row. */
  tail?(schema: Field[], numRows: number): string
}

/**
 * Writes batches as a text file in bounded memory: one batch's text at a time, through an
 * {@link AtomicFile} (the file appears complete or not at all; an error or an abort leaves an
 * existing file untouched). Every batch must have the first one's columns and types
 * (`SCHEMA_MISMATCH` names the batch); a source with no batches takes its schema from
 * `schema()` when it has one (a `StreamingDataset`), so a CSV header is still written.
 */
export async function writeTextBatches(
  source: TextWriteSource,
  path: string,
  encoding: TextEncoding,
  signal?: AbortSignal,
): Promise<TextWriteResult> {
  throwIfAborted(signal)
  const file = await AtomicFile.create(path)
  try {
    let schema: Field[] | undefined
    let numRows = 0
    let index = 0
    for await (const batch of source) {
      throwIfAborted(signal)
      if (schema === undefined) {
        schema = batch.schema
        if (encoding.head) await file.write(encoding.head(schema))
      } else {
        checkSchema(schema, batch.schema, index, path)
      }
      index++
      if (batch.numRows === 0) continue
      for (const piece of encoding.rows(batch, numRows)) await file.write(piece)
      numRows += batch.numRows
    }
    throwIfAborted(signal)
    if (schema === undefined) {
      schema = (await schemaOf(source)) ?? []
      if (encoding.head) await file.write(encoding.head(schema))
    }
    if (encoding.tail) await file.write(encoding.tail(schema, numRows))
    const fileSizeBytes = await file.commit()
    return { path, numRows, fileSizeBytes }
  } catch (err) {
    await file.abort()
    throw err
  }
}

function checkSchema(first: Field[], next: Field[], index: number, path: string): void {
  const same =
    first.length === next.length &&
    first.every((f, i) => f.name === next[i]?.name && f.type === next[i]?.type)
  if (same) return
  const show = (s: Field[]) => s.map((f) => `${f.name}: ${f.type}`).join(', ')
  throw new ValidationError(
    `Expected every batch to have the columns of the first (${show(first)}), got ${show(next)}`,
    { code: 'SCHEMA_MISMATCH', location: { file: path, batch: index } },
  )
}

async function schemaOf(source: TextWriteSource): Promise<Field[] | undefined> {
  const schema = (source as { schema?: unknown }).schema
  if (typeof schema !== 'function') return undefined
  return (await (schema as () => Promise<Field[] | undefined>).call(source)) ?? undefined
}
