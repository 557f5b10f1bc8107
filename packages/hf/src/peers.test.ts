import { spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

const pkg = join(import.meta.dirname, '..')
const scratch = mkdtempSync(join(tmpdir(), 'sd-hf-no-peers-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

/**
 * @sd/hf installed as a user without the format packages would have it: its sources in a folder
 * whose node_modules hold its dependencies (@sd/core, @huggingface/hub) and nothing else, so
 * `import('@sd/parquet')` really fails there.
 */
function withoutPeers(): string {
  cpSync(join(pkg, 'src'), join(scratch, 'hf', 'src'), { recursive: true })
  writeFileSync(join(scratch, 'package.json'), '{ "type": "module" }')
  const modules = join(scratch, 'node_modules')
  for (const name of ['@sd/core', '@huggingface/hub']) {
    mkdirSync(join(modules, name, '..'), { recursive: true })
    symlinkSync(realpathSync(join(pkg, 'node_modules', name)), join(modules, name))
  }
  return scratch
}

// the hub's test server (from the copied sources) serves one dataset per format; each is loaded
const script = `import { loadHuggingFace } from './hf/src/index.ts'
import { FakeHub } from './hf/src/test-support/hub-server.ts'

const hub = await FakeHub.start()
hub.commit('acme/parquet', [{ path: 'train.parquet', data: 'PAR1 any bytes PAR1' }])
hub.commit('acme/csv', [{ path: 'train.csv', data: 'a,b\\n1,2\\n' }])
hub.commit('acme/jsonl', [{ path: 'train.jsonl', data: '{"a":1}\\n' }])
const out = {}
for (const name of ['parquet', 'csv', 'jsonl']) {
  try {
    out[name] = { rows: await loadHuggingFace('acme/' + name, { hubUrl: hub.url }).count() }
  } catch (err) {
    out[name] = { code: err.code, message: err.message }
  }
}
out.memory = await loadHuggingFace({ rows: [{ a: 1 }, { a: 2 }] }).toArray()
await hub.close()
console.log(JSON.stringify(out))
`

describe('the format packages are optional peers', () => {
  it('without them installed, a split of that format fails with MISSING_PEER naming the package; rows in memory still load', () => {
    const root = withoutPeers()
    writeFileSync(join(root, 'run.ts'), script)
    const tsx = createRequire(import.meta.url).resolve('tsx')
    const run = spawnSync(process.execPath, ['--conditions=@sd/source', '--import', tsx, 'run.ts'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
    })
    expect(run.stderr).toBe('')
    const out = JSON.parse(run.stdout) as Record<string, { code?: string; message?: string }> & {
      memory: unknown
    }
    for (const [format, peer] of [
      ['parquet', '@sd/parquet'],
      ['csv', '@sd/csv'],
      ['jsonl', '@sd/json'],
    ] as const) {
      expect(out[format]?.code, format).toBe('MISSING_PEER')
      expect(out[format]?.message).toContain(`npm install ${peer}`)
      expect(out[format]?.message).toContain('acme/')
    }
    expect(out.memory).toEqual([{ a: 1 }, { a: 2 }])
  })
})
