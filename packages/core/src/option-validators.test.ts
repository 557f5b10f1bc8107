import { availableParallelism } from 'node:os'
import { describe, expect, it } from 'vitest'
import { ValidationError } from './errors.js'
import {
  nameList,
  nonNegativeInteger,
  oneOf,
  positiveInteger,
  resolveInt64,
  resolveWorkers,
} from './option-validators.js'

describe('option validators', () => {
  it('accept good values and defaults, and name the option they refuse', () => {
    expect(oneOf('mode', undefined, ['a', 'b'], 'a')).toBe('a')
    expect(oneOf('mode', 'b', ['a', 'b'], 'a')).toBe('b')
    expect(() => oneOf('mode', 'c' as never, ['a', 'b'], 'a')).toThrow(
      /mode must be one of 'a', 'b', got "c"/,
    )
    expect(positiveInteger('n', undefined, 5)).toBe(5)
    for (const bad of [0, -1, 1.5, Number.NaN])
      expect(() => positiveInteger('n', bad, 5)).toThrow(ValidationError)
    expect(nonNegativeInteger('n', 0, 5)).toBe(0)
    expect(nameList('columns', ['a', 'b'])).toEqual(['a', 'b'])
    expect(() => nameList('columns', ['a', 'a'])).toThrow(/twice/)
    expect(() => nameList('columns', [])).toThrow(/at least one/)
    expect(() => nameList('columns', 'a')).toThrow(/array of strings/)
    try {
      positiveInteger('chunkBytes', -3, 1)
    } catch (err) {
      expect((err as ValidationError).code).toBe('INVALID_OPTION')
    }
  })

  it('resolve workers and int64', () => {
    expect(resolveWorkers('auto', 0)).toBe(Math.max(1, availableParallelism()))
    expect(resolveWorkers(undefined, 0)).toBe(0)
    // a pass whose calling thread parses too counts it among the cores
    expect(resolveWorkers('auto', 0, true)).toBe(Math.max(1, availableParallelism() - 1))
    expect(resolveWorkers(3, 0, true)).toBe(3)
    expect(resolveWorkers(3, 0)).toBe(3)
    expect(() => resolveWorkers(-1, 0)).toThrow(/workers/)
    expect(resolveInt64(undefined)).toBe('bigint')
    expect(() => resolveInt64('string' as never)).toThrow(/int64/)
  })
})
