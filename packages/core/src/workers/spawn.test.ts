import { describe, expect, it } from 'vitest'
import { spawnWorker, withoutLoaders } from './spawn.js'

describe('withoutLoaders', () => {
  it('drops module preloads in both spellings and keeps every other flag', () => {
    expect(
      withoutLoaders([
        '--require',
        '/x/preflight.cjs',
        '--import',
        'file:///x/loader.mjs',
        '--conditions=@sd/source',
        '--import=tsx',
        '-r',
        'y.cjs',
        '--max-old-space-size=4096',
        '--loader=z.mjs',
        '--experimental-loader',
        'w.mjs',
        '--cpu-prof',
      ]),
    ).toEqual(['--conditions=@sd/source', '--max-old-space-size=4096', '--cpu-prof'])
  })
})

describe('spawnWorker', () => {
  it('starts a bundled worker when the process runs with flags a thread refuses (--expose-gc)', async () => {
    const saved = [...process.execArgv]
    process.execArgv.push('--expose-gc', '--max-old-space-size=4096')
    try {
      const worker = await spawnWorker(new URL('../test-support/pool-worker.ts', import.meta.url))
      const online = await new Promise<boolean>((resolve) => {
        worker.once('online', () => resolve(true))
        worker.once('error', () => resolve(false))
      })
      expect(online).toBe(true)
      await worker.terminate()
    } finally {
      process.execArgv.splice(0, process.execArgv.length, ...saved)
    }
  })
})
