import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { SdError } from './errors.js'
import { importPeer } from './peer.js'

describe('importPeer', () => {
  it('loads an installed package', async () => {
    const lru = await importPeer<typeof import('lru-cache')>('lru-cache', 'the cache')
    expect(typeof lru.LRUCache).toBe('function')
  })

  it('names the package to install when it is missing', async () => {
    const err = await importPeer('@sd/not-a-package', 'reading nothing').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(SdError)
    expect((err as SdError).code).toBe('MISSING_PEER')
    expect((err as Error).message).toContain('npm install @sd/not-a-package')
    expect((err as Error).message).toContain('reading nothing')
  })

  it('passes through a failure inside a package that is there', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sd-peer-'))
    const file = join(dir, 'broken.mjs')
    writeFileSync(file, 'import "@sd/also-missing"\nexport const x = 1\n')
    const broken = () => import(pathToFileURL(file).href)
    const err = await importPeer('some-package', 'x', broken).catch((e: unknown) => e)
    expect((err as { code?: string }).code).toBe('ERR_MODULE_NOT_FOUND')
    expect(err).not.toBeInstanceOf(SdError)
  })
})
