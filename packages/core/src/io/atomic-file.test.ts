import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { AtomicFile } from './atomic-file.js'

const dir = mkdtempSync(join(tmpdir(), 'sd-atomic-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('AtomicFile', () => {
  it('shows the file only once committed, with every byte in order', async () => {
    const path = join(dir, 'out.txt')
    const file = await AtomicFile.create(path)
    const big = 'x'.repeat(700_000)
    await file.write('head\n')
    await file.write(big)
    await file.write(new TextEncoder().encode(big))
    await file.write('é\n')
    expect(existsSync(path)).toBe(false)
    const size = await file.commit()
    const text = readFileSync(path, 'utf8')
    expect(text).toBe(`head\n${big}${big}é\n`)
    expect(size).toBe(Buffer.byteLength(text))
    expect(readdirSync(dir)).toEqual(['out.txt'])
  })

  it('leaves an existing file untouched when aborted', async () => {
    const path = join(dir, 'keep.txt')
    writeFileSync(path, 'before')
    const file = await AtomicFile.create(path)
    await file.write('after'.repeat(300_000))
    await file.abort()
    await file.abort()
    expect(readFileSync(path, 'utf8')).toBe('before')
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([])
  })

  it('names the path when its folder does not exist', async () => {
    const path = join(dir, 'missing', 'out.txt')
    await expect(AtomicFile.create(path)).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: `Cannot create the file: its folder ${join(dir, 'missing')} does not exist (at file "${path}")`,
      location: { file: path },
    })
  })
})
