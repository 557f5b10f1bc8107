import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

interface Manifest {
  name: string
  private?: boolean
  type?: string
  sideEffects?: boolean
  engines?: Record<string, string>
  exports?: Record<string, unknown>
  publishConfig?: { exports?: Record<string, unknown> }
  dependencies?: Record<string, string>
  devDependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
  peerDependenciesMeta?: Record<string, { optional?: boolean }>
}

const root = join(import.meta.dirname, '..')
const packages = readdirSync(join(root, 'packages'), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => ({
    dir: d.name,
    manifest: JSON.parse(readFileSync(join(root, 'packages', d.name, 'package.json'), 'utf8')) as Manifest,
  }))

function sdDeps(m: Manifest): string[] {
  return Object.keys(m.dependencies ?? {}).filter((n) => n.startsWith('@sd/'))
}

/** The sd packages a package reads or writes through: optional peers (and dev dependencies for its tests). */
function sdPeers(m: Manifest): string[] {
  return Object.keys(m.peerDependencies ?? {}).filter((n) => n.startsWith('@sd/'))
}

function conditionOrder(entry: unknown): string[] {
  return entry && typeof entry === 'object' ? Object.keys(entry) : []
}

describe('the workspace', () => {
  it('holds the packages of the product', () => {
    expect(packages.map((p) => p.manifest.name)).toContain('@sd/core')
  })
})

describe.each(packages)('package contract of packages/$dir', ({ dir, manifest }) => {
  it('is an ESM package without side effects, for Node >= 20.19', () => {
    expect(manifest.name).toBe(`@sd/${dir}`)
    expect(manifest.type).toBe('module')
    expect(manifest.sideEffects).toBe(false)
    expect(manifest.engines?.node).toBe('>=20.19')
  })

  it('depends on @sd/core alone among sd packages (core on none)', () => {
    if (manifest.name === '@sd/core') expect(sdDeps(manifest)).toEqual([])
    else {
      expect(sdDeps(manifest)).toEqual(['@sd/core'])
      expect(manifest.dependencies?.['@sd/core']).toBe('workspace:^')
    }
  })

  it('reaches other sd packages only as optional peers, installed for its own tests', () => {
    const devSd = Object.keys(manifest.devDependencies ?? {}).filter((n) => n.startsWith('@sd/'))
    for (const peer of sdPeers(manifest)) {
      expect(manifest.peerDependenciesMeta?.[peer]?.optional, `${peer} is an optional peer`).toBe(true)
      expect(manifest.devDependencies?.[peer], `${peer} in devDependencies`).toBe('workspace:^')
    }
    expect(devSd.filter((n) => !sdPeers(manifest).includes(n))).toEqual([])
  })

  it('pins its runtime dependencies exactly', () => {
    for (const [name, range] of Object.entries(manifest.dependencies ?? {})) {
      if (name.startsWith('@sd/')) continue
      expect(range, `${name}@${range}`).toMatch(/^\d+\.\d+\.\d+(-[\w.]+)?$/)
    }
  })

  it('exports types first: the source condition, then types, then import; published without the source', () => {
    const dot = manifest.exports?.['.']
    expect(conditionOrder(dot)).toEqual(['@sd/source', 'types', 'import'])
    const published = manifest.publishConfig?.exports?.['.']
    expect(conditionOrder(published)).toEqual(['types', 'import'])
  })
})
