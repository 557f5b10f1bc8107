import { describe, expect, it } from 'vitest'
import { parseCommand } from './args.js'
import { UsageError } from './formats.js'

describe('parseCommand', () => {
  it('runs everything on generated data with the issue defaults when given no arguments', () => {
    const cmd = parseCommand([], '/work')
    if (cmd.kind !== 'run') throw new Error(`expected a run, got ${cmd.kind}`)
    expect(cmd.out).toBe('/work/sd-bench-results')
    expect(cmd.harness).toMatchObject({
      quick: false,
      paths: [],
      rows: 1_000_000,
      vectors: 100_000,
      dimension: 128,
      formats: ['parquet', 'csv', 'ndjson', 'vectors'],
      comparisons: ['batch-prefetch', 'cache', 'raw-parser', 'vector-access'],
      batchSizes: [1000, 10_000, 50_000],
      prefetchDepths: [0, 1, 2, 4, 8],
    })
    expect(cmd.harness.suites).toBeUndefined()
  })

  it('makes --quick smaller and reads whole (small) files in the grid', () => {
    const cmd = parseCommand(['--quick'], '/work')
    if (cmd.kind !== 'run') throw new Error(`expected a run, got ${cmd.kind}`)
    expect(cmd.harness.rows).toBeLessThan(1_000_000)
    expect(cmd.harness.runs).toBe(1)
    expect(cmd.harness.passRows).toBeUndefined()
  })

  it('takes files, lists, sizes and an output folder', () => {
    const cmd = parseCommand(
      [
        'data/a.parquet',
        '--batch-sizes',
        '5000,500,5000',
        '--prefetch=0,3',
        '--work-ms',
        '2.5',
        '--out',
        'r',
        '--rows',
        '2_000',
      ],
      '/w',
    )
    if (cmd.kind !== 'run') throw new Error(`expected a run, got ${cmd.kind}`)
    expect(cmd.harness.paths).toEqual(['/w/data/a.parquet'])
    expect(cmd.harness.batchSizes).toEqual([500, 5000])
    expect(cmd.harness.prefetchDepths).toEqual([0, 3])
    expect(cmd.harness.workMsPer10k).toBe(2.5)
    expect(cmd.harness.rows).toBe(2000)
    expect(cmd.out).toBe('/w/r')
  })

  it('runs peer suites by name, or all of them with --suites', () => {
    expect(parseCommand(['peers', 'csv', 'json', '--quick'], '/w')).toEqual({
      kind: 'peers',
      suites: ['csv', 'json'],
      quick: true,
      out: '/w/sd-bench-results',
    })
    const all = parseCommand(['--suites'], '/w')
    expect(all.kind === 'run' && all.harness.suites).toEqual([])
    const some = parseCommand(['--suite', 'csv', '--suite', 'parquet'], '/w')
    expect(some.kind === 'run' && some.harness.suites).toEqual(['csv', 'parquet'])
  })

  it('rejects bad values with a message naming the flag and the value', () => {
    expect(() => parseCommand(['--batch-sizes', '0,10'])).toThrow(
      /--batch-sizes expects a whole number >= 1, got "0"/,
    )
    expect(() => parseCommand(['--only', 'grid'])).toThrow(
      /--only: unknown "grid", expected some of batch-prefetch/,
    )
    expect(() => parseCommand(['--work-ms', '-1'])).toThrow(UsageError)
    expect(() => parseCommand(['--bogus'])).toThrow(UsageError)
  })
})
