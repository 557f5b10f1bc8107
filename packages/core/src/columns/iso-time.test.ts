import { describe, expect, it } from 'vitest'
import { isoDate, isoTimestamp } from './iso-time.js'

describe('isoDate', () => {
  it('writes days since the epoch as YYYY-MM-DD, before and after 1970', () => {
    expect(isoDate(0)).toBe('1970-01-01')
    expect(isoDate(19_723)).toBe('2024-01-01')
    expect(isoDate(-1)).toBe('1969-12-31')
  })
})

describe('isoTimestamp', () => {
  it('keeps every digit of its unit', () => {
    expect(isoTimestamp(1_704_067_200n, 's')).toBe('2024-01-01T00:00:00Z')
    expect(isoTimestamp(1_704_067_200_005n, 'ms')).toBe('2024-01-01T00:00:00.005Z')
    expect(isoTimestamp(1_704_067_200_123_456n, 'us')).toBe('2024-01-01T00:00:00.123456Z')
    expect(isoTimestamp(1_704_067_200_123_456_789n, 'ns')).toBe('2024-01-01T00:00:00.123456789Z')
  })

  it('floors instants before 1970 to the second below', () => {
    expect(isoTimestamp(-1n, 'us')).toBe('1969-12-31T23:59:59.999999Z')
    expect(isoTimestamp(-1_500n, 'ms')).toBe('1969-12-31T23:59:58.500Z')
  })

  it('agrees with Date where Date is exact', () => {
    for (const ms of [0, 1, 999, 86_399_999, 951_782_400_000, -62_135_596_800_000]) {
      expect(isoTimestamp(BigInt(ms), 'ms')).toBe(new Date(ms).toISOString())
    }
  })

  it('gives the integer back beyond what Date can show', () => {
    expect(isoTimestamp(9_000_000_000_000_000n, 's')).toBe('9000000000000000')
  })
})
