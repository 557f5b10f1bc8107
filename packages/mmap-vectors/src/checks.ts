import { StateError, ValidationError } from '@sd/core'

/** The rows `readRows(start, end, out)` copies, after checking its arguments against `length`. */
export function rowRange(
  path: string,
  start: number,
  end: number,
  out: Float32Array,
  length: number,
  dimension: number,
): number {
  if (!(Number.isInteger(start) && start >= 0 && start <= length)) {
    throw new ValidationError(`Expected a start row from 0 to ${length}, got ${start}`, {
      code: Number.isInteger(start) ? 'INDEX_OUT_OF_RANGE' : 'INVALID_INDEX',
      location: { file: path },
    })
  }
  if (!(Number.isInteger(end) && end >= start)) {
    throw new ValidationError(`Expected an integer end row >= start (${start}), got ${end}`, {
      code: 'INVALID_INDEX',
      location: { file: path },
    })
  }
  const count = Math.min(end, length) - start
  if (!(out instanceof Float32Array) || out.length < count * dimension) {
    throw new ValidationError(
      `Expected a Float32Array with room for ${count} vectors (${count * dimension} values), got ${out instanceof Float32Array ? `length ${out.length}` : typeof out}`,
      { code: 'INVALID_OUTPUT', location: { file: path } },
    )
  }
  return count
}

/** Row `i` of `length` rows, refused: not an integer, or out of range. */
export function badIndex(path: string, i: number, length: number): ValidationError {
  if (!Number.isInteger(i)) {
    return new ValidationError(`Expected an integer vector index, got ${i}`, {
      code: 'INVALID_INDEX',
      location: { file: path },
    })
  }
  const range = length === 0 ? 'none: the file is empty' : `${-length} <= i < ${length}`
  return new ValidationError(`Index ${i} is out of range for ${length} vectors (expected ${range})`, {
    code: 'INDEX_OUT_OF_RANGE',
    location: { file: path, index: i },
  })
}

/** Any use of a closed file but `close()`. */
export function closedError(path: string, operation: string): StateError {
  return new StateError(`Cannot ${operation}: the vector file was closed`, {
    code: 'CLOSED',
    location: { file: path },
  })
}

/** `backend: 'mmap'` for data that does not start at a multiple of 4 bytes. */
export function unaligned(path: string, offset: number): ValidationError {
  return new ValidationError(
    `backend 'mmap' hands out Float32Array views, which need the data to start at a multiple of 4 bytes; it starts at byte ${offset}: use backend 'pread'`,
    { code: 'MMAP_UNALIGNED', location: { file: path, byte: offset } },
  )
}
