import { constants, fstatSync, ftruncateSync, openSync } from 'node:fs'
import { endianness } from 'node:os'
import { FormatError, fileSystemError, UnsupportedError, ValidationError } from '@sd/core'
import { SharedFd } from './file-io.js'
import { formatNpyHeader, MAX_PREAMBLE, type NpyMatrix, npyPreamble, readNpyMatrix } from './npy-header.js'
import type { ResolvedOpenOptions, VectorFileMode, VectorFormat } from './options.js'

/** Where the vectors of an open file are. */
export interface VectorLayout {
  path: string
  format: VectorFormat
  mode: VectorFileMode
  dimension: number
  /** `dimension * 4`. */
  rowBytes: number
  /** Byte offset of the first vector. */
  dataOffset: number
  /** Whole vectors in the file (for `.npy`: the count in the header). */
  length: number
  /** `.npy` only: the header's version, kept when the header is rewritten. */
  npyVersion: [number, number]
}

/**
 * Opens (or creates) a vector file and works out its layout, checking every header field before
 * anything else is read or written. Only mode `'w+'` ever shortens a file. Bytes past the last
 * committed vector (an append that never published its count, a partial vector) are left in
 * place: ignored when reading (with a warning for a raw file's partial vector), written over by
 * the next append in mode `'r+'` (with a warning).
 */
export function openVectorFile(
  path: string,
  options: ResolvedOpenOptions,
): { file: SharedFd; layout: VectorLayout } {
  if (endianness() !== 'LE') {
    throw new UnsupportedError('Vector files are little-endian float32; this machine is big-endian', {
      code: 'BIG_ENDIAN_HOST',
    })
  }
  const { mode } = options
  let fd: number
  try {
    const flags =
      mode === 'r'
        ? constants.O_RDONLY
        : mode === 'r+'
          ? constants.O_RDWR
          : constants.O_RDWR | constants.O_CREAT
    fd = openSync(path, flags, 0o666)
  } catch (err) {
    throw fileSystemError(err, path, 'open')
  }
  const file = new SharedFd(fd, path)
  try {
    const stat = fstatSync(fd)
    if (!stat.isFile()) {
      throw new ValidationError('Expected a regular file', { code: 'NOT_A_FILE', location: { file: path } })
    }
    const layout = options.format === 'npy' ? npyLayout(file, options) : rawLayout(file, stat.size, options)
    return { file, layout }
  } catch (err) {
    file.close()
    throw fileSystemError(err, path, 'open')
  }
}

function rawLayout(file: SharedFd, size: number, options: ResolvedOpenOptions): VectorLayout {
  const { mode, offset } = options
  const dimension = options.dimension as number
  const rowBytes = dimension * 4
  const base = { path: file.path, format: 'raw' as const, mode, dimension, rowBytes, dataOffset: offset }
  if (mode === 'w+') {
    // 'w+' creates the file (or replaces it, as asked); truncating to the offset keeps a prefix
    // the caller manages
    ftruncateSync(file.fd, offset)
    return { ...base, length: 0, npyVersion: [1, 0] }
  }
  if (size < offset) {
    throw new FormatError(
      `Expected at least ${offset} bytes (the offset before the first vector), the file has ${size}`,
      {
        code: 'RAW_TOO_SHORT',
        location: { file: file.path, byte: size },
      },
    )
  }
  const length = Math.floor((size - offset) / rowBytes)
  const end = offset + length * rowBytes
  const what = `the last whole ${dimension}-dimensional vector`
  if (mode === 'r+') trailing(file, end, size, what)
  else if (size > end) {
    process.emitWarning(
      `${file.path}: ${size - end} bytes after ${what} are ignored (an unfinished append?)`,
      {
        type: 'SdWarning',
        code: 'PARTIAL_VECTOR',
      },
    )
  }
  return { ...base, length, npyVersion: [1, 0] }
}

function npyLayout(file: SharedFd, options: ResolvedOpenOptions): VectorLayout {
  const { mode } = options
  if (mode === 'w+') {
    const dimension = options.dimension as number
    const header = formatNpyHeader(0, dimension) as Uint8Array
    // 'w+' creates the file (or replaces it, as asked): the one write path that may shrink it
    ftruncateSync(file.fd, 0)
    file.writeSync(header, 0)
    return {
      path: file.path,
      format: 'npy',
      mode,
      dimension,
      rowBytes: dimension * 4,
      dataOffset: header.length,
      length: 0,
      npyVersion: [1, 0],
    }
  }
  const { matrix, size } = committedHeader(file)
  const { rows, dimension, dataOffset } = matrix
  if (options.dimension !== undefined && options.dimension !== dimension) {
    throw new ValidationError(
      `Vector dimension ${dimension} (from the .npy header) doesn't match expected dimension ${options.dimension}`,
      { code: 'DIMENSION_MISMATCH', location: { file: file.path } },
    )
  }
  const rowBytes = dimension * 4
  // bytes past the count belong to an append that has not published its count (yet): a reader
  // ignores them, as NumPy does; a writer warns and overwrites them with its next append
  if (mode === 'r+')
    trailing(file, dataOffset + rows * rowBytes, size, `the ${rows} vectors the header counts`)
  return {
    path: file.path,
    format: 'npy',
    mode,
    dimension,
    rowBytes,
    dataOffset,
    length: rows,
    npyVersion: matrix.version,
  }
}

/** Bytes read at once for a header: the preamble and any header NumPy writes for a matrix. */
const HEAD_BYTES = 4096
/** Reads of a header that changed while it was read, before the last reading is trusted. */
const HEADER_ATTEMPTS = 64

/**
 * The header as committed when the file was opened, and the file size after it. Appends write
 * their rows first and then the header with the new count, so a header read *before* the size
 * never counts rows the size does not cover. The header is read twice around the size: when the
 * two readings differ, an append rewrote it meanwhile (a reading may even mix the old and new
 * text), and it is read again. Every header field is checked before anything else is read.
 */
function committedHeader(file: SharedFd): { matrix: NpyMatrix; size: number } {
  let last: { matrix: NpyMatrix; size: number } | undefined
  let error: unknown
  for (let attempt = 0; attempt < HEADER_ATTEMPTS; attempt++) {
    const first = readHeaderBytes(file)
    last = undefined
    error = undefined
    try {
      const matrix = readNpyMatrix(first, file.path)
      const size = fstatSync(file.fd).size
      const end = matrix.dataOffset + matrix.rows * matrix.dimension * 4
      if (size < end) {
        throw new FormatError(
          `The .npy header field 'shape' says (${matrix.rows}, ${matrix.dimension}), ${end - matrix.dataOffset} data bytes, but the file holds ${Math.max(0, size - matrix.dataOffset)} after the header`,
          { code: 'NPY_TRUNCATED', location: { file: file.path, byte: size } },
        )
      }
      last = { matrix, size }
    } catch (err) {
      // a header rewritten while it was read may look malformed or unsupported: decide after the
      // second reading; anything else (the operating system refusing) is final
      if (!(err instanceof FormatError || err instanceof UnsupportedError)) throw err
      error = err
    }
    const second = readHeaderBytes(file, first.length)
    if (equalBytes(first, second)) break
  }
  if (last) return last
  throw error
}

/** The header's bytes (at least the preamble; all of it unless the file ends first). */
function readHeaderBytes(file: SharedFd, known?: number): Uint8Array {
  let bytes = new Uint8Array(known ?? HEAD_BYTES)
  bytes = bytes.subarray(0, file.readSync(bytes, 0))
  if (known !== undefined) return bytes
  const { dataOffset } = npyPreamble(bytes.subarray(0, MAX_PREAMBLE), file.path)
  if (dataOffset <= bytes.length) return bytes.subarray(0, dataOffset)
  const whole = new Uint8Array(dataOffset)
  return whole.subarray(0, file.readSync(whole, 0))
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/**
 * Bytes past the last committed vector, in a file opened for writing: an append that never
 * published its count, or a partial vector. They are left in place (no write path shrinks a file
 * it did not create) and the next append writes over them.
 */
function trailing(file: SharedFd, end: number, size: number, what: string): void {
  if (size <= end) return
  process.emitWarning(
    `${file.path}: ${size - end} bytes after ${what} are not counted (an unfinished append?); the next append writes over them`,
    { type: 'SdWarning', code: 'PARTIAL_VECTOR' },
  )
}
