/**
 * Value equality of the filter language: `===` (or `==` when not strict), and by content for
 * `Uint8Array`s, `Date`s, arrays and plain objects.
 */
export function filterEquals(a: unknown, b: unknown, strict = true): boolean {
  // biome-ignore lint/suspicious/noDoubleEquals: loose equality is the non-strict mode
  if (strict ? a === b : a == b) return true
  if (!a || !b || typeof a !== 'object' || typeof b !== 'object') return false
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array && b instanceof Uint8Array) || a.length !== b.length) return false
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
    return true
  }
  if (a instanceof Date || b instanceof Date) {
    return a instanceof Date && b instanceof Date && a.getTime() === b.getTime()
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!(Array.isArray(a) && Array.isArray(b)) || a.length !== b.length) return false
    for (let i = 0; i < a.length; i++) if (!filterEquals(a[i], b[i], strict)) return false
    return true
  }
  const ka = Object.keys(a)
  if (ka.length !== Object.keys(b).length) return false
  for (const k of ka) {
    if (!Object.hasOwn(b, k)) return false
    if (!filterEquals((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], strict))
      return false
  }
  return true
}
