import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { CORE_ERROR_CODES } from '@sd/core'
import { describe, expect, it } from 'vitest'
import { PARQUET_ERROR_CODES } from './errors.js'

const here = import.meta.dirname

describe('error codes', () => {
  it('every code the sources raise is declared (here or in core) and in the README', () => {
    const readme = readFileSync(join(here, '..', 'README.md'), 'utf8')
    const raised = new Set<string>()
    for (const name of readdirSync(here)) {
      if (!name.endsWith('.ts') || name.endsWith('.test.ts')) continue
      for (const m of readFileSync(join(here, name), 'utf8').matchAll(/code: '([A-Z0-9_]+)'/g))
        raised.add(m[1] as string)
    }
    const declared = new Set<string>([...PARQUET_ERROR_CODES, ...CORE_ERROR_CODES])
    expect([...raised].filter((c) => !declared.has(c))).toEqual([])
    expect(PARQUET_ERROR_CODES.filter((c) => !readme.includes(c))).toEqual([])
    expect(raised.size).toBeGreaterThan(10)
  })
})
