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
