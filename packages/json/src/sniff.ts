const BOM = [0xef, 0xbb, 0xbf]

/**
 * The first byte of the file that is neither whitespace nor part of a leading UTF-8 byte order
 * mark, looking through the chunks read so far; -1 when there is none yet.
 */
export function firstSignificantByte(chunks: readonly Uint8Array[]): number {
  let offset = 0
  let bom = true
  for (const chunk of chunks) {
    for (let i = 0; i < chunk.length; i++, offset++) {
      const b = chunk[i] as number
      if (bom && offset < 3 && b === BOM[offset]) continue
      bom = false
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
