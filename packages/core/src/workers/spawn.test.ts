import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { withoutLoaders } from './spawn.js'

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

describe('a bundled worker under a TypeScript loader', () => {
  it('starts when the process has flags a worker refuses (--expose-gc)', { timeout: 60_000 }, async () => {
    const pool = new URL('./pool.ts', import.meta.url).href
    const worker = new URL('../test-support/pool-worker.ts', import.meta.url).href
    const script = `
      const { WorkerPool } = await import(${JSON.stringify(pool)})
      const p = new WorkerPool({ module: new URL(${JSON.stringify(worker)}), size: 1, name: 'flags' })
      const r = await p.run({ kind: 'square', n: 3 })
      await p.close()
      console.log(JSON.stringify([...r.values]))`
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', '--conditions=@sd/source', '--input-type=module', '-e', script],
      { cwd: new URL('.', import.meta.url).pathname, timeout: 50_000 },
    )
    expect(JSON.parse(stdout.trim())).toEqual([0, 1, 4])
  })
})
