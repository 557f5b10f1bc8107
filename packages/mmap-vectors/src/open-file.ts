import { constants, fstatSync, ftruncateSync, openSync } from 'node:fs'
import { endianness } from 'node:os'
import { FormatError, fileSystemError, UnsupportedError, ValidationError } from '@sd/core'
import { SharedFd } from './file-io.js'
import { float32Matrix, formatNpyHeader, npyDataOffset, parseNpyHeader } from './npy-header.js'
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

/** Bytes of a header we look at before knowing its length (v2/v3 preambles are 12 bytes). */
const PREAMBLE = 12

/**
 * Opens (or creates) a vector file and works out its layout. A partial trailing vector, or data
 * past the count in a `.npy` header (an append that never published its count), is ignored with
 * a warning in mode `'r'` and cut off in the writable modes.
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
    const layout =
      options.format === 'npy' ? npyLayout(file, stat.size, options) : rawLayout(file, stat.size, options)
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
    // truncating to the offset keeps a prefix the caller manages
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
  trailing(file, mode, offset + length * rowBytes, size, `the last whole ${dimension}-dimensional vector`)
  return { ...base, length, npyVersion: [1, 0] }
}

function npyLayout(file: SharedFd, size: number, options: ResolvedOpenOptions): VectorLayout {
  const { mode } = options
  if (mode === 'w+') {
    const dimension = options.dimension as number
    const header = formatNpyHeader(0, dimension) as Uint8Array
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
  const head = new Uint8Array(Math.min(size, PREAMBLE))
  file.readSync(head, 0)
  const { dataOffset } = npyDataOffset(head, file.path)
  const headerBytes = new Uint8Array(Math.min(size, dataOffset))
  file.readSync(headerBytes, 0)
  const header = parseNpyHeader(headerBytes, file.path)
  const { rows, dimension } = float32Matrix(header, file.path)
  if (options.dimension !== undefined && options.dimension !== dimension) {
    throw new ValidationError(
      `Vector dimension ${dimension} (from the .npy header) doesn't match expected dimension ${options.dimension}`,
      { code: 'DIMENSION_MISMATCH', location: { file: file.path } },
    )
  }
  const rowBytes = dimension * 4
  const end = dataOffset + rows * rowBytes
  if (size < end) {
    throw new FormatError(
      `The .npy header declares shape (${rows}, ${dimension}), ${rows * rowBytes} data bytes, but the file holds ${size - dataOffset} after the header`,
      { code: 'NPY_TRUNCATED', location: { file: file.path, byte: size } },
    )
  }
  trailing(file, mode, end, size, `the ${rows} vectors the header counts`)
  return {
    path: file.path,
    format: 'npy',
    mode,
    dimension,
    rowBytes,
    dataOffset,
    length: rows,
    npyVersion: header.version,
  }
}

/** Bytes past the last committed vector: a warning when reading, cut off when writing. */
function trailing(file: SharedFd, mode: VectorFileMode, end: number, size: number, what: string): void {
  if (size <= end) return
  const extra = size - end
  if (mode === 'r') {
    process.emitWarning(`${file.path}: ${extra} bytes after ${what} are ignored (an unfinished append?)`, {
      type: 'SdWarning',
      code: 'PARTIAL_VECTOR',
    })
    return
  }
  ftruncateSync(file.fd, end)
  process.emitWarning(`${file.path}: ${extra} bytes after ${what} were truncated (an unfinished append?)`, {
    type: 'SdWarning',
    code: 'PARTIAL_VECTOR_TRUNCATED',
  })
}
