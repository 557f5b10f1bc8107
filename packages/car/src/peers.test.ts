import { spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { tempDir } from './test-support/files.js'

const here = dirname(new URL(import.meta.url).pathname)
const pkg = join(here, '..')
const require = createRequire(import.meta.url)
const dir = tempDir('sd-car-nopeers-')

/**
 * An install of @sd/car with its dependencies and none of its optional peers: the sources copied
 * into a temporary folder whose node_modules links @sd/core and the third-party packages only.
 */
function installWithoutPeers(root: string): string {
  cpSync(join(pkg, 'src'), join(root, 'car', 'src'), { recursive: true })
  writeFileSync(join(root, 'package.json'), '{ "type": "module" }')
  const modules = join(root, 'node_modules')
  mkdirSync(join(modules, '@sd'), { recursive: true })
  mkdirSync(join(modules, '@ipld'), { recursive: true })
  symlinkSync(join(pkg, '..', 'core'), join(modules, '@sd', 'core'))
  for (const name of ['@ipld/car', '@ipld/dag-cbor', '@ipld/dag-pb', 'multiformats', 'ipfs-unixfs']) {
    symlinkSync(realpathSync(join(pkg, 'node_modules', name)), join(modules, name))
  }
  return root
}

describe('optional peers', () => {
  it('without @sd/csv and @sd/parquet installed, packing those formats fails with MISSING_PEER naming the package; other files pack', () => {
    const root = installWithoutPeers(dir)
    writeFileSync(join(root, 'rows.csv'), 'a,b\n1,2\n')
    writeFileSync(join(root, 'data.parquet'), 'PAR1 not really')
    writeFileSync(join(root, 'notes.bin'), 'just bytes')
    writeFileSync(
      join(root, 'run.ts'),
      `import { packFile } from './car/src/index.ts'
const out: unknown[] = []
for (const name of ['rows.csv', 'data.parquet']) {
  try {
    await packFile(name, name + '.car')
    out.push('packed')
  } catch (err) {
    out.push({ code: (err as { code: string }).code, message: (err as Error).message })
  }
}
out.push((await packFile('notes.bin', 'notes.car')).manifest.format)
out.push((await packFile('rows.csv', 'rows-none.car', { format: 'none' })).manifest.format)
console.log(JSON.stringify(out))
`,
    )
    const tsx = require.resolve('tsx')
    const run = spawnSync(process.execPath, ['--conditions=@sd/source', '--import', tsx, 'run.ts'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
    })
    expect(run.stderr).toBe('')
    const [csv, parquet, notes, none] = JSON.parse(run.stdout) as [
      { code: string; message: string },
      { code: string; message: string },
      string,
      string,
    ]
    expect(csv.code).toBe('MISSING_PEER')
    expect(csv.message).toContain('@sd/csv')
    expect(parquet.code).toBe('MISSING_PEER')
    expect(parquet.message).toContain('@sd/parquet')
    expect([notes, none]).toEqual(['none', 'none'])
  })
})
