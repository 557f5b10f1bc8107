import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { csvFile, ndjsonFile, parquetFile, vectorFile } from '@sd/benchmarks/lib/data'
import { afterAll, describe, expect, it } from 'vitest'
import { countRows, describeInput, formatOf, UsageError } from './formats.js'

const dir = mkdtempSync(join(tmpdir(), 'sd-bench-formats-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function hasNumpy(): boolean {
  try {
    execFileSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

describe('describeInput', () => {
  it('tells formats by extension', () => {
    expect(formatOf('a.parquet')).toBe('parquet')
    expect(formatOf('a.TSV')).toBe('csv')
    expect(formatOf('a.jsonl')).toBe('ndjson')
    expect(formatOf('a.npy')).toBe('vectors')
    expect(formatOf('a.xlsx')).toBeUndefined()
  })

  it('counts the rows the generators wrote', async () => {
    const rows = 12_345
    for (const path of [await parquetFile(dir, rows, 1000), csvFile(dir, rows), ndjsonFile(dir, rows)]) {
      const info = describeInput(path, undefined)
      expect(await countRows(info), path).toBe(rows)
    }
  })

  it('reads the shape of a .npy file NumPy wrote', { skip: !hasNumpy() }, () => {
    const path = join(dir, 'v.npy')
    execFileSync('python3', [
      '-c',
      `import numpy as np; np.save(${JSON.stringify(path)}, np.arange(7 * 24, dtype='<f4').reshape(7, 24))`,
    ])
    const info = describeInput(path, undefined)
    expect(info).toMatchObject({ format: 'vectors', rows: 7, dimension: 24 })
    const offset = Number(
      execFileSync('python3', [
        '-c',
        `import numpy as np; m = np.load(${JSON.stringify(path)}, mmap_mode='r'); print(m.offset)`,
      ]).toString(),
    )
    expect(info.headerBytes).toBe(offset)
  })

  it('needs a dimension for raw vector files and checks the size against it', () => {
    const path = vectorFile(dir, 10, 8)
    expect(describeInput(path, 8)).toMatchObject({ rows: 10, dimension: 8, headerBytes: 0 })
    expect(() => describeInput(path, undefined)).toThrow(/pass its --dimension/)
    expect(() => describeInput(path, 7)).toThrow(/not a whole number of 7-float vectors/)
  })

  it('explains files it cannot benchmark', () => {
    const odd = join(dir, 'table.xlsx')
    writeFileSync(odd, 'x')
    expect(() => describeInput(odd, undefined)).toThrow(UsageError)
    expect(() => describeInput(odd, undefined)).toThrow(/Cannot tell the format of .*table\.xlsx/)
    expect(() => describeInput(join(dir, 'missing.csv'), undefined)).toThrow(/Cannot read .*missing\.csv/)
  })
})
