import { describe, expect, it } from 'vitest'
import { LineRangeScanner, type LineRanges } from './line-ranges.js'

function scan(text: string, kind: 'csv' | 'ndjson', batchRows: number, chunk: number): LineRanges {
  const bytes = new TextEncoder().encode(text)
  const scanner = new LineRangeScanner(kind, batchRows)
  for (let at = 0; at < bytes.length; at += chunk) scanner.push(bytes.subarray(at, at + chunk), at)
  return scanner.finish(bytes.length)
}

/** The text of each batch's bytes. */
function texts(text: string, ranges: LineRanges): string[] {
  const bytes = new TextEncoder().encode(text)
  return ranges.batches.map((b) => new TextDecoder().decode(bytes.subarray(b.byteStart, b.byteEnd)))
}

describe('LineRangeScanner', () => {
  const csv = 'id,note\r\n1,"a\nb"\r\n2,"say ""hi"",\n"\r\n\r\n3,plain\r\n4,"x"\n5,last'
  it.each([1, 2, 3, 5, 7, 64])(
    'CSV: a quoted newline is not a record end; blank lines are not records (chunks of %i bytes)',
    (chunk) => {
      const ranges = scan(csv, 'csv', 2, chunk)
      expect(ranges.numRows).toBe(5)
      expect(ranges.header).toEqual({ byteStart: 0, byteEnd: 9 })
      expect(ranges.batches.map((b) => [b.rowStart, b.rowEnd])).toEqual([
        [0, 2],
        [2, 4],
        [4, 5],
      ])
      expect(texts(csv, ranges)).toEqual([
        '1,"a\nb"\r\n2,"say ""hi"",\n"\r\n',
        '3,plain\r\n4,"x"\n',
        '5,last',
      ])
    },
  )

  const ndjson = '{"a":1}\n  \n{"a":"x\\ny"}\r\n\n{"a":3}\n'
  it.each([1, 4, 100])('NDJSON: whitespace-only lines are skipped (chunks of %i bytes)', (chunk) => {
    const ranges = scan(ndjson, 'ndjson', 10, chunk)
    expect(ranges.header).toBeUndefined()
    expect(ranges.numRows).toBe(3)
    expect(texts(ndjson, ranges)).toEqual([ndjson])
  })

  it('an empty file and a header alone have no batches', () => {
    expect(scan('', 'csv', 10, 4)).toEqual({ header: undefined, numRows: 0, batches: [] })
    expect(scan('a,b\n', 'csv', 10, 4)).toEqual({
      header: { byteStart: 0, byteEnd: 4 },
      numRows: 0,
      batches: [],
    })
  })
})
