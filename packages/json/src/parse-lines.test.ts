import { describe, expect, it } from 'vitest'
import { parseLines } from './ndjson-reader.js'

describe('parseLines', () => {
  it('parses one object per line in one go, CRLF included', () => {
    expect(parseLines('{"a":1}\n{"a":2,"b":[1,{"c":3}]}\r\n{}\n')).toEqual([
      { a: 1 },
      { a: 2, b: [1, { c: 3 }] },
      {},
    ])
  })

  it('declines text where a line is not exactly one object, so lines are parsed one by one', () => {
    const declined = [
      '{"a":1}\n\n{"a":2}\n', // a blank line
      '{"a":1}\n  \n', // a whitespace line
      '{"a":1}\n[1]\n', // not an object
      '{"a":1}\n3\n',
      '{"a":1}\n{"a":\n2}\n', // a value over two lines
      // an object over two lines and a line with two objects: as many elements as lines
      '{"a":[{"b":1}\n{"c":2}]}\n{"x":1},{"y":2}\n',
      '{"a":[{"b":1}\n{"c":2}]}\n{"x":1} ,\t{"y":2}\n',
      '\n',
    ]
    for (const text of declined) expect(parseLines(text), JSON.stringify(text)).toBeUndefined()
  })

  it('declines a line holding `},{` inside a string (the per-line parse reads it correctly)', () => {
    expect(parseLines('{"s":"},{"}\n')).toBeUndefined()
  })
})
