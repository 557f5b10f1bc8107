const BOM = [0xef, 0xbb, 0xbf]

/**
 * The first byte of the file that is neither whitespace nor part of a leading UTF-8 byte order
 * mark, looking through the chunks read so far; -1 when there is none yet. `final`: no more chunks
 * come, so bytes that only begin a byte order mark are text (invalid UTF-8) rather than a mark.
 */
export function firstSignificantByte(chunks: readonly Uint8Array[], final = false): number {
  const head: number[] = []
  for (const chunk of chunks)
    for (let i = 0; i < chunk.length && head.length < 3; i++) head.push(chunk[i] as number)
  const bom = head.length === 3 && head.every((b, i) => b === BOM[i])
  // the start of a byte order mark, cut short: wait for more, or at the end take it as text
  if (!bom && !final && head.length < 3 && head.every((b, i) => b === BOM[i])) return -1
  let offset = 0
  for (const chunk of chunks) {
    for (let i = 0; i < chunk.length; i++, offset++) {
      if (bom && offset < 3) continue
      const b = chunk[i] as number
      if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) continue
      return b
    }
  }
  return -1
}

/** Whether the records are NDJSON lines or the elements of an array document. */
export function decideFormat(
  format: 'auto' | 'ndjson' | 'array',
  path: string | undefined,
  firstByte: number,
): 'ndjson' | 'array' {
  if (format !== 'auto') return format
  return path !== undefined || firstByte === 0x5b /* [ */ ? 'array' : 'ndjson'
}
