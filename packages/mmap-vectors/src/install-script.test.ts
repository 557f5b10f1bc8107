import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { tempDir } from './test-support/fixtures.js'

const script = join(import.meta.dirname, '..', 'scripts', 'install.mjs')

describe('the install script', () => {
  let tmp: ReturnType<typeof tempDir>
  beforeEach(() => {
    // a copy of the package's install script, so a failed build cannot touch the real build/
    tmp = tempDir()
    mkdirSync(tmp.path('scripts'))
    copyFileSync(script, tmp.path('scripts/install.mjs'))
    writeFileSync(tmp.path('package.json'), '{"name":"copy","private":true}')
  })
  afterEach(() => tmp.remove())

  function run(gyp: string, ...args: string[]) {
    writeFileSync(tmp.path('gyp.js'), gyp)
    return spawnSync(process.execPath, [tmp.path('scripts/install.mjs'), ...args], {
      encoding: 'utf8',
      env: { ...process.env, SD_MMAP_NODE_GYP: tmp.path('gyp.js'), SD_MMAP_SKIP_BUILD: '' },
    })
  }

  it('prints one warning and exits 0 when node-gyp fails, keeping the log', () => {
    const result = run("console.error('gyp ERR! build error: no compiler'); process.exit(1)")
    expect(result.status).toBe(0)
    const lines = result.stderr.trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(
      /^warning: @sd\/mmap-vectors: native mmap addon not built: node-gyp exited with code 1: gyp ERR! build error: no compiler .*backend 'pread'/,
    )
    expect(readFileSync(tmp.path('build/install.log'), 'utf8')).toContain('no compiler')
  })

  it('warns when the build succeeds but leaves no loadable addon', () => {
    const result = run('process.exit(0)')
    expect(result.status).toBe(0)
    expect(result.stderr).toMatch(/the built addon does not load/)
  })

  it('fails with --strict', () => {
    const result = run('process.exit(2)', '--strict')
    expect(result.status).toBe(1)
    expect(result.stderr).toMatch(/node-gyp exited with code 2/)
    expect(existsSync(tmp.path('build/Release'))).toBe(false)
  })
})
