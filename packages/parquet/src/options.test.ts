import { availableParallelism } from 'node:os'
import { ValidationError } from '@sd/core'
import { describe, expect, it } from 'vitest'
import { type ParquetLoaderOptions, resolveParquetOptions } from './options.js'

/** The error `options` get: a ValidationError with code INVALID_OPTION. */
function refusal(options: Record<string, unknown>): ValidationError {
  let caught: unknown
  try {
    resolveParquetOptions(options as ParquetLoaderOptions)
  } catch (err) {
    caught = err
  }
  expect(caught).toBeInstanceOf(ValidationError)
  expect((caught as ValidationError).code).toBe('INVALID_OPTION')
  return caught as ValidationError
}

describe('Parquet options', () => {
  it('applies the defaults', () => {
    const resolved = resolveParquetOptions({})
    expect(resolved).toMatchObject({
      columns: undefined,
      rowFormat: 'columns',
      int64: 'bigint',
      workers: 0,
      autoWorkers: false,
      filterStrict: true,
    })
  })

  it('keeps valid values, and a copy of columns', () => {
    const columns = ['b', 'a']
    const resolved = resolveParquetOptions({ columns, rowFormat: 'object', int64: 'number', workers: 3 })
    expect(resolved).toMatchObject({ columns: ['b', 'a'], rowFormat: 'object', int64: 'number', workers: 3 })
    expect(resolved.columns).not.toBe(columns)
    const auto = resolveParquetOptions({ workers: 'auto' })
    expect(auto).toMatchObject({ workers: Math.max(1, availableParallelism()), autoWorkers: true })
  })

  it('names the bad option in every refusal', () => {
    expect(refusal({ columns: 'id' }).message).toMatch(/^columns must be an array of strings/)
    expect(refusal({ columns: ['id', 3] }).message).toMatch(/^columns must be an array of strings/)
    expect(refusal({ columns: [] }).message).toMatch(/^columns must name at least one column/)
    expect(refusal({ columns: ['id', 'x', 'id'] }).message).toMatch(/^columns names "id" twice/)
    expect(refusal({ rowFormat: 'rows' }).message).toMatch(/^rowFormat must be one of 'columns', 'object'/)
    expect(refusal({ int64: 'float' }).message).toMatch(/^int64 must be one of 'bigint', 'number'/)
    for (const workers of [-1, 1.5, 'many', Number.NaN])
      expect(refusal({ workers }).message).toMatch(/^workers must be a non-negative integer/)
    expect(refusal({ workers: 257 }).message).toMatch(/^workers must be 'auto' or at most 256, got 257/)
    expect(refusal({ chunkBytes: 100 }).message).toMatch(/^chunkBytes must be an integer of at least 4096/)
    expect(refusal({ rowGroups: [-1] }).message).toMatch(/^rowGroups must be an array of row group indexes/)
    expect(refusal({ filters: 'id > 3' }).message).toMatch(/^filters must be an object/)
  })
})
