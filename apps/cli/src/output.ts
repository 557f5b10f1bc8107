import Table from 'cli-table3'

/**
 * JSON text of a report for scripts: bigints as number literals with all their digits, typed
 * arrays as arrays, `Uint8Array` as base64, CIDs and other objects with `toString` (not plain
 * objects) as strings, non-finite numbers as `null`.
 */
export function jsonText(value: unknown, indent = 2): string {
  const marks: string[] = []
  const text = JSON.stringify(
    value,
    function replacer(this: unknown, key: string, v: unknown) {
      const raw = (this as Record<string, unknown> | undefined)?.[key] ?? v
      if (typeof raw === 'bigint') {
        marks.push(raw.toString())
        return `\u0000${marks.length - 1}\u0000`
      }
      if (typeof raw === 'number' && !Number.isFinite(raw)) return null
      if (raw instanceof Uint8Array) return Buffer.from(raw).toString('base64')
      if (ArrayBuffer.isView(raw)) return Array.from(raw as unknown as ArrayLike<number>)
      if (raw instanceof Date) return raw.toISOString()
      if (raw instanceof Error) return { code: (raw as { code?: unknown }).code, message: raw.message }
      if (isCidLike(raw)) return String(raw)
      return v
    },
    indent,
  )
  return (text ?? 'null').replace(/"\\u0000(\d+)\\u0000"/g, (_, i: string) => marks[Number(i)] as string)
}

function isCidLike(v: unknown): boolean {
  return (
    typeof v === 'object' &&
    v !== null &&
    (v as { asCID?: unknown }).asCID === v &&
    typeof (v as { toString?: unknown }).toString === 'function'
  )
}

/** A table with a header row, aligned in columns (cli-table3), no colours. */
export function table(head: string[], rows: string[][], align?: ('left' | 'right')[]): string {
  const t = new Table({
    head,
    style: { head: [], border: [], compact: true, 'padding-left': 1, 'padding-right': 1 },
    ...(align ? { colAligns: align } : {}),
  })
  for (const row of rows) t.push(row)
  return t.toString()
}

/** `key  value` lines, the keys padded to one width. */
export function fields(entries: [string, string | number | undefined][]): string {
  const shown = entries.filter((e): e is [string, string | number] => e[1] !== undefined)
  const width = Math.max(0, ...shown.map(([k]) => k.length))
  return shown.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')
}

/** Writes a line (or lines) to stdout. */
export function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`)
}
