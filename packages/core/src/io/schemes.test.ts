import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { SdError } from '../errors.js'
import { FileRangeReader } from './file-range.js'
import { isRemoteSource, openRange } from './open-range.js'
import { registerScheme, schemeOf } from './schemes.js'

describe('URL schemes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sd-scheme-'))
  const file = join(dir, 'data.bin')
  writeFileSync(file, 'hello bytes')

  it('tells schemes from paths, Windows drives included', () => {
    expect(schemeOf('hf://datasets/a/b/x.parquet')).toBe('hf')
    expect(schemeOf('IPFS://bafy/x')).toBe('ipfs')
    expect(schemeOf('C://data/x.csv')).toBeUndefined()
    expect(schemeOf('/data/x.csv')).toBeUndefined()
    expect(isRemoteSource('hf://datasets/a/b/x')).toBe(true)
    expect(isRemoteSource('relative/x.csv')).toBe(false)
  })

  it('names the package to install for a known scheme nobody registered', async () => {
    const err = await openRange('ipfs://bafkqaaa/x.csv').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(SdError)
    expect((err as SdError).code).toBe('MISSING_PEER')
    expect((err as Error).message).toContain("import '@sd/car/register'")
    const other = await openRange('gopher://x/y').catch((e: unknown) => e)
    expect((other as SdError).code).toBe('UNSUPPORTED_SCHEME')
  })

  it('reads a registered scheme through its provider, with the caller options', async () => {
    const seen: unknown[] = []
    registerScheme({
      scheme: 'local-test',
      open: async (url, options) => {
        seen.push([url, options.timeoutMs])
        return FileRangeReader.open(join(dir, url.slice('local-test://'.length)))
      },
    })
    const reader = await openRange('local-test://data.bin', { timeoutMs: 1234 })
    try {
      expect(new TextDecoder().decode(await reader.read(0, 5))).toBe('hello')
    } finally {
      await reader.close()
    }
    expect(seen).toEqual([['local-test://data.bin', 1234]])
  })

  it('reads file:// URLs as paths', async () => {
    const reader = await openRange(pathToFileURL(file).href)
    try {
      expect(reader.byteLength).toBe(11)
    } finally {
      await reader.close()
    }
  })
})
