/**
 * A value as text naming the kind of every object in it (a Date and its ISO string differ, so do
 * a bigint and its digits, bytes and a list of numbers); prototypes are not part of it.
 */
export function typedText(value: unknown): string {
  return JSON.stringify({ v: value }, function (this: Record<string, unknown>, key, v: unknown) {
    const raw = this[key]
    if (typeof raw === 'bigint') return `bigint:${raw}`
    if (raw instanceof Date) return `date:${raw.getTime()}`
    if (raw instanceof Uint8Array) return `bytes:${Buffer.from(raw).toString('hex')}`
    if (typeof raw === 'number' && !Number.isFinite(raw)) return `number:${raw}`
    if (Object.is(raw, -0)) return 'number:-0'
    if (raw === undefined && key !== '') return 'undefined'
    if (Array.isArray(raw)) return ['array', ...raw]
    return v
  })
}
