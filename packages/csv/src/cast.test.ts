import { describe, expect, it } from 'vitest'
import { inferColumnType, parseBool, parseFloat64, parseInt32 } from './cast.js'

describe('parseInt32', () => {
  it('agrees with Number() on int32 literals and refuses everything else', () => {
    const literals = ['0', '-0', '7', '+12', '-2147483648', '2147483647', '000123', '-99']
    for (const s of literals) expect(parseInt32(s)).toBe(Number(s))
    for (const s of [
      '',
      '-',
      '+',
      '2147483648',
      '-2147483649',
      '1.5',
      '1e3',
      ' 1',
      '1 ',
      '0x10',
      'abc',
      '99999999999',
    ])
      expect(parseInt32(s), s).toBeUndefined()
  })
})

describe('parseFloat64', () => {
  it('gives the same double as Number() for decimal literals', () => {
    const samples: string[] = []
    for (let i = 0; i < 2000; i++) {
      const v = (Math.sin(i) * 10 ** ((i % 19) - 6)).toPrecision((i % 17) + 1)
      samples.push(v, `-${v}`.replace('--', ''), v.replace(/^0\./, '.'))
    }
    samples.push('1e5', '6.02e23', '-1.5E-7', '5.', '.5', '+3.25', '123456789012345678901234')
    for (const s of samples) expect(parseFloat64(s), s).toBe(Number(s))
  })

  it('reads nan and infinities and refuses non-numbers', () => {
    expect(parseFloat64('NaN')).toBeNaN()
    expect(parseFloat64('-inf')).toBe(Number.NEGATIVE_INFINITY)
    expect(parseFloat64('Infinity')).toBe(Number.POSITIVE_INFINITY)
    for (const s of ['', '.', '-', '1.2.3', '0x1A', '0x10', '0b1', ' 1', '1 ', '1,5', 'abc', '1e', 'e5'])
      expect(parseFloat64(s), s).toBeUndefined()
  })
})

describe('parseBool', () => {
  it('reads true/false in any case only', () => {
    expect([parseBool('true'), parseBool('FALSE'), parseBool('True')]).toEqual([1, 0, 1])
    for (const s of ['1', '0', 't', 'yes', 'truee', '']) expect(parseBool(s), s).toBeUndefined()
  })
})

describe('inferColumnType', () => {
  it('picks the narrowest type holding every non-empty value', () => {
    const infer = (values: string[]) => inferColumnType(values, values.length)
    expect(infer(['1', '', '-3'])).toBe('int32')
    expect(infer(['1', '2.5'])).toBe('float64')
    expect(infer(['1', '3000000000'])).toBe('float64')
    expect(infer(['true', 'False', ''])).toBe('bool')
    expect(infer(['1', 'true'])).toBe('string')
    expect(infer(['', ''])).toBe('string')
    expect(infer(['a', '1'])).toBe('string')
  })
})
