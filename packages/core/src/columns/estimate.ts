const SAMPLE = 32

/** Estimated in-memory bytes of one JS value (strings count one byte per character plus a header). */
export function estimateValueBytes(value: unknown): number {
  switch (typeof value) {
    case 'number':
    case 'bigint':
      return 8
    case 'boolean':
      return 4
    case 'string':
      return 16 + value.length
    case 'object': {
      if (value === null) return 4
      if (ArrayBuffer.isView(value)) return 64 + value.byteLength
      if (value instanceof Date) return 32
      try {
        return 32 + (JSON.stringify(value, jsonSafe)?.length ?? 0)
      } catch {
        return 1024
      }
    }
    default:
      return 8
  }
}

function jsonSafe(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value
}

/** Estimated bytes of row objects, from a sample of them. */
export function estimateRowBytes(rows: readonly Record<string, unknown>[]): number {
  const n = rows.length
  if (n === 0) return 0
  const step = Math.max(1, Math.floor(n / SAMPLE))
  let sum = 0
  let count = 0
  for (let i = 0; i < n && count < SAMPLE; i += step, count++) {
    const row = rows[i] as Record<string, unknown>
    sum += 32
    for (const key in row) sum += 8 + estimateValueBytes(row[key])
  }
  return Math.round((sum / count) * n)
}
