import { expect } from 'vitest'

/**
 * Expects two byte arrays to be equal, failing with the first differing position and the bytes
 * around it; `toEqual` compares a 100 KB array element by element, seconds per call.
 */
export function expectSameBytes(actual: Uint8Array, expected: Uint8Array, label = 'bytes'): void {
  if (actual.length === expected.length && Buffer.compare(actual, expected) === 0) return
  let at = 0
  while (at < actual.length && at < expected.length && actual[at] === expected[at]) at++
  const around = (bytes: Uint8Array) => [...bytes.subarray(at, at + 16)]
  expect({ label, length: actual.length, at, next: around(actual) }).toEqual({
    label,
    length: expected.length,
    at,
    next: around(expected),
  })
}
