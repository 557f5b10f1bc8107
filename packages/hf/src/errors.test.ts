import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { CORE_ERROR_CODES } from '@sd/core'
import { describe, expect, it } from 'vitest'
import { HF_ERROR_CODES, HF_SHARED_CODES } from './errors.js'

const src = import.meta.dirname
const code = readdirSync(src)
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
  .map((f) => readFileSync(join(src, f), 'utf8'))
  .join('\n')
const readme = readFileSync(join(src, '..', 'README.md'), 'utf8')
const core = new Set<string>(CORE_ERROR_CODES)
/** The codes the package's sources pass to an error as a literal. */
const literal = new Set([...code.matchAll(/code: '([A-Z_0-9]+)'/g)].map((m) => m[1] as string))
/** Shared codes core raises on the package's behalf (importPeer, the validators, cancellation). */
const raisedByCore = new Set(['MISSING_PEER', 'INVALID_FILTER', 'INVALID_OPTION', 'ABORTED'])

describe('error codes', () => {
  it.each(HF_ERROR_CODES)('%s is the package’s own: raised here, not a core code, documented', (c) => {
    expect(literal.has(c)).toBe(true)
    expect(core.has(c)).toBe(false)
    expect(readme).toContain(`\`${c}\``)
  })

  it.each(HF_SHARED_CODES)('%s is a core code, raised here or by core for us, documented', (c) => {
    expect(core.has(c)).toBe(true)
    expect(literal.has(c) || raisedByCore.has(c)).toBe(true)
    expect(readme).toContain(`\`${c}\``)
  })

  it('every literal code is declared (HTTP_<status> is core’s template for the hub’s refusals)', () => {
    const declared = new Set<string>([...HF_ERROR_CODES, ...HF_SHARED_CODES])
    const undeclared = [...literal].filter((c) => !declared.has(c))
    expect(undeclared.filter((c) => !/^HTTP_\d{3}$/.test(c))).toEqual([])
    expect(undeclared.every((c) => readme.includes(`\`${c}\``))).toBe(true)
  })
})
