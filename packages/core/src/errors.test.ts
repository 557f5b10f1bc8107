import { describe, expect, it } from 'vitest'
import {
  AbortError,
  FormatError,
  fileSystemError,
  isSdError,
  NotFoundError,
  SdError,
  ValidationError,
} from './errors.js'

describe('SdError', () => {
  it('carries a code, a cause and a location named in the message', () => {
    const cause = new Error('inner')
    const err = new FormatError('Expected 3 fields, got 4', {
      code: 'CSV_RAGGED_ROW',
      cause,
      location: { file: 'a.csv', line: 7, byte: 120 },
    })
    expect(err).toBeInstanceOf(SdError)
    expect(err.name).toBe('FormatError')
    expect(err.code).toBe('CSV_RAGGED_ROW')
    expect(err.cause).toBe(cause)
    expect(err.message).toBe('Expected 3 fields, got 4 (at file "a.csv", line 7, byte 120)')
    expect(new ValidationError('x').code).toBe('VALIDATION')
    expect(new AbortError().code).toBe('ABORTED')
    expect(isSdError(err)).toBe(true)
    expect(isSdError(new Error('x'))).toBe(false)
  })

  it('maps file-system errors to NotFoundError or IoError with the file named', () => {
    const enoent = Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' })
    const notFound = fileSystemError(enoent, '/data/x.parquet')
    expect(notFound).toBeInstanceOf(NotFoundError)
    expect(notFound.message).toContain('/data/x.parquet')
    const eacces = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' })
    const io = fileSystemError(eacces, '/data/y')
    expect(io.code).toBe('IO_EACCES')
    expect(io.location?.file).toBe('/data/y')
  })
})
