import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { CORE_ERROR_CODES } from '@sd/core'
import { describe, expect, it } from 'vitest'
import { MMAP_VECTORS_ERROR_CODES, MMAP_VECTORS_SHARED_CODES } from './errors.js'

const src = import.meta.dirname
const sources = readdirSync(src)
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
  .map((f) => readFileSync(join(src, f), 'utf8'))
  .join('\n')
const readme = readFileSync(join(src, '..', 'README.md'), 'utf8')

/** Every string literal the sources pass as an error `code`. */
const raised = new Set(
  [...sources.matchAll(/code: ([^,}\n]+)/g)].flatMap((m) =>
    [...(m[1] as string).matchAll(/'([A-Z_]+)'/g)].map((q) => q[1] as string),
  ),
)

describe('error codes', () => {
  it('the exported lists hold every code the sources raise, and nothing else', () => {
    const declared = new Set<string>([...MMAP_VECTORS_ERROR_CODES, ...MMAP_VECTORS_SHARED_CODES])
    // codes core raises for this package: file-system errors, aborts
    const viaCore = new Set(['NOT_FOUND', 'EISDIR', 'IO', 'ABORTED'])
    // the one warning code (MmapVectorsWarningCode) is emitted, not thrown
    expect([...raised].filter((c) => !declared.has(c) && c !== 'PARTIAL_VECTOR')).toEqual([])
    expect([...declared].filter((c) => !raised.has(c) && !viaCore.has(c))).toEqual([])
    expect(raised.size).toBeGreaterThan(20)
  })

  it('own codes are not core codes, shared codes are', () => {
    const core = new Set<string>(CORE_ERROR_CODES)
    expect(MMAP_VECTORS_ERROR_CODES.filter((c) => core.has(c))).toEqual([])
    expect(MMAP_VECTORS_SHARED_CODES.filter((c) => !core.has(c))).toEqual([])
  })

  it('the README lists every code', () => {
    const listed = [...MMAP_VECTORS_ERROR_CODES, ...MMAP_VECTORS_SHARED_CODES].filter(
      (c) => !readme.includes(`\`${c}\``),
    )
    expect(listed.filter((c) => c !== 'IO')).toEqual([])
  })
})
