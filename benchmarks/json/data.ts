/**
 * The JSON array document twin of the shared NDJSON benchmark file: the same records, as
 * `[\n{...},\n{...}\n]\n` (one record per line, as DuckDB's `ARRAY true` writes them).
 */
import { closeSync, existsSync, openSync, readSync, renameSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { ndjsonFile } from '../lib/data.ts'

/** An array document holding the `rows` records of `ndjsonFile(dir, rows)`; written once, streaming. */
export function arrayJsonFile(dir: string, rows: number): string {
  const source = ndjsonFile(dir, rows)
  const path = join(dir, `bench-${rows}.array.json`)
  if (existsSync(path)) return path
  const tmp = `${path}.partial-${process.pid}`
  const input = openSync(source, 'r')
  const output = openSync(tmp, 'w')
  try {
    writeSync(output, '[\n')
    const buffer = Buffer.allocUnsafe(8 << 20)
    let pending = ''
    let first = true
    const put = (lines: string) => {
      // a separator goes before every record but the first
      writeSync(output, `${first ? '' : ',\n'}${lines.replaceAll('\n', ',\n')}`)
      first = false
    }
    for (;;) {
      const n = readSync(input, buffer, 0, buffer.length, null)
      if (n === 0) break
      // the records are ASCII; the text after the last newline waits for the next read
      const text = pending + buffer.toString('latin1', 0, n)
      const last = text.lastIndexOf('\n')
      pending = text.slice(last + 1)
      if (last > 0) put(text.slice(0, last))
    }
    if (pending.length > 0) put(pending)
    writeSync(output, '\n]\n')
  } finally {
    closeSync(input)
    closeSync(output)
  }
  renameSync(tmp, path)
  return path
}
