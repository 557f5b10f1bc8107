import { throwIfAborted, ValidationError } from '../../errors.js'
import type { DataUnit } from '../../shard/units.js'
import type { RangeReader } from '../range-reader.js'

const NEWLINE = 10
const PROBE = 64 * 1024

/** A line-aligned byte range unit of a text file: the lines that start within `[start, end)`. */
export interface ByteRangeUnit extends DataUnit {
  start: number
  end: number
}

/**
 * Nominal byte ranges of `unitBytes` covering a file of `size` bytes, as units (ids
 * `<name>@<start>`). Each unit's lines are the lines that start within its range
 * ({@link lineSpan}), so every line belongs to exactly one unit whatever the line lengths.
 */
export function byteRangeUnits(name: string, size: number, unitBytes: number): ByteRangeUnit[] {
  if (!Number.isSafeInteger(unitBytes) || unitBytes < 1)
    throw new ValidationError(`unitBytes must be a positive integer, got ${unitBytes}`, {
      code: 'INVALID_OPTION',
    })
  const units: ByteRangeUnit[] = []
  for (let start = 0; start < size; start += unitBytes) {
    const end = Math.min(size, start + unitBytes)
    units.push({ id: `${name}@${start}`, bytes: end - start, start, end })
  }
  return units
}

/**
 * The first line start at or after byte `at`: 0 for `at` 0, else the byte after the first `\n` at
 * or after `at - 1`, or the end of the file. Reads forward in probes of 64 KiB.
 */
export async function lineStart(reader: RangeReader, at: number, signal?: AbortSignal): Promise<number> {
  if (at <= 0) return 0
  const size = reader.byteLength
  for (let from = at - 1; from < size; from += PROBE) {
    throwIfAborted(signal)
    const bytes = await reader.read(from, Math.min(size, from + PROBE), signal)
    const nl = bytes.indexOf(NEWLINE)
    if (nl >= 0) return from + nl + 1
    if (bytes.length === 0) break
  }
  return size
}

/** The bytes `[s, e)` holding exactly the lines that start within `[start, end)`. */
export async function lineSpan(
  reader: RangeReader,
  start: number,
  end: number,
  signal?: AbortSignal,
): Promise<[number, number]> {
  const s = await lineStart(reader, start, signal)
  const e = end >= reader.byteLength ? reader.byteLength : await lineStart(reader, end, signal)
  return [s, Math.max(s, e)]
}
