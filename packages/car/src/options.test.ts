import { ValidationError } from '@sd/core'
import { describe, expect, it } from 'vitest'
import { type CarLoadOptions, resolveCarOptions } from './options.js'

/** The error `options` get: a ValidationError with code INVALID_OPTION. */
function refusal(options: Record<string, unknown>): ValidationError {
  let caught: unknown
  try {
    resolveCarOptions(options as CarLoadOptions)
  } catch (err) {
    caught = err
  }
  expect(caught).toBeInstanceOf(ValidationError)
  expect((caught as ValidationError).code).toBe('INVALID_OPTION')
  return caught as ValidationError
}

describe('CAR options', () => {
  it('keeps valid columns (a copy) and sorts distinct batches', () => {
    const columns = ['b', 'a']
    const resolved = resolveCarOptions({ columns, batches: [3, 1, 3] })
    expect(resolved).toEqual({ columns: ['b', 'a'], batches: [1, 3] })
    expect(resolved.columns).not.toBe(columns)
    expect(resolveCarOptions({})).toEqual({ columns: undefined, batches: undefined })
  })

  it('names the bad option in every refusal', () => {
    expect(refusal({ columns: 'id' }).message).toMatch(/^columns must be an array of strings/)
    expect(refusal({ columns: [1] }).message).toMatch(/^columns must be an array of strings/)
    expect(refusal({ columns: [] }).message).toMatch(/^columns must name at least one column/)
    expect(refusal({ columns: ['id', 'id'] }).message).toMatch(/^columns names "id" twice/)
    expect(refusal({ batches: [0.5] }).message).toMatch(/^batches must be an array of batch indexes/)
    expect(refusal({ batches: 'all' }).message).toMatch(/^batches must be an array of batch indexes/)
  })
})
