/**
 * The size in bytes the cache and the prefetch queue charge for a value: its `byteLength` or
 * `byteSize` when it has one, the UTF-8 length of a string, the JSON length of plain data, else 1024.
 */
export function sizeOf(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8')
  if (value !== null && typeof value === 'object') {
    const sized = value as { byteLength?: unknown; byteSize?: unknown }
    if (typeof sized.byteLength === 'number') return sized.byteLength
    if (typeof sized.byteSize === 'number') return sized.byteSize
    if (Array.isArray(value) || Object.getPrototypeOf(value) === Object.prototype) {
      try {
        const json = JSON.stringify(value)
        if (json !== undefined) return Buffer.byteLength(json, 'utf8')
      } catch {
        // cycles and bigints fall through to the default
      }
    }
    return 1024
  }
  if (typeof value === 'number' || typeof value === 'bigint') return 8
  if (typeof value === 'boolean') return 4
  return 1024
}
