import { describe, expect, it } from 'vitest'
import { CsvRecords } from './csv-records.js'

/** Parses `text` fed in pieces of `size` characters. */
function parse(text: string, size: number, delimiter = ','): { fields: string[]; line: number }[] {
  const parser = new CsvRecords(delimiter)
  const out: { fields: string[]; line: number }[] = []
  for (let i = 0; i < text.length; i += size) out.push(...parser.push(text.slice(i, i + size)))
  const last = parser.end()
  if (last) out.push(last)
  return out
}

describe('CsvRecords', () => {
  const text = 'a,b,c\r\n1,"x, ""y""\nz",\r\n"",2,"q"\n4,5,6'
  const expected = [
    { fields: ['a', 'b', 'c'], line: 1 },
    { fields: ['1', 'x, "y"\nz', ''], line: 2 },
    { fields: ['', '2', 'q'], line: 4 },
    { fields: ['4', '5', '6'], line: 5 },
  ]

  it('splits records with quotes, doubled quotes, line breaks in fields, CRLF and no final newline', () => {
    expect(parse(text, text.length)).toEqual(expected)
  })

  it('gives the same records whatever the pieces are cut like', () => {
    for (const size of [1, 2, 3, 5, 7]) expect(parse(text, size)).toEqual(expected)
  })

  it('uses the delimiter it is given, and reports an open quote at the end', () => {
    expect(parse('a\tb\n"1\t2"\t3\n', 4, '\t')).toEqual([
      { fields: ['a', 'b'], line: 1 },
      { fields: ['1\t2', '3'], line: 2 },
    ])
    const parser = new CsvRecords(',')
    parser.push('a,"open\n')
    expect(parser.unterminated).toBe(true)
  })
})
