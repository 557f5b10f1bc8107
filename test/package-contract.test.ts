import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

interface Manifest {
  name: string
  private?: boolean
  type?: string
  sideEffects?: boolean | string[]
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

const sdNames = (deps: Record<string, string> | undefined) =>
  Object.keys(deps ?? {}).filter((n) => n.startsWith('@sd/'))

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
    // only a register entry point may have side effects (it registers a URL scheme with core)
    if (Array.isArray(manifest.sideEffects)) {
      for (const file of manifest.sideEffects) expect(file).toMatch(/\/register\.(ts|js)$/)
    } else expect(manifest.sideEffects).toBe(false)
    expect(manifest.engines?.node).toBe('>=20.19')
  })

  it('depends on @sd/core alone among sd packages (core on none)', () => {
    if (manifest.name === '@sd/core') expect(sdNames(manifest.dependencies)).toEqual([])
    else {
      expect(sdNames(manifest.dependencies)).toEqual(['@sd/core'])
      expect(manifest.dependencies?.['@sd/core']).toBe('workspace:^')
    }
  })

  it('reaches other sd packages only as optional peers, present for its own tests', () => {
    for (const name of sdNames(manifest.peerDependencies)) {
      expect(manifest.peerDependenciesMeta?.[name]?.optional, `${name} must be an optional peer`).toBe(true)
      expect(manifest.devDependencies?.[name], `${name} must be a dev dependency for the tests`).toBe(
        'workspace:^',
      )
    }
    for (const name of sdNames(manifest.devDependencies)) {
      if (name === '@sd/core') continue
      expect(manifest.peerDependencies?.[name], `${name} is used only as an optional peer`).toBeDefined()
    }
  })

  it('takes apache-arrow, when at all, as an optional peer', () => {
    expect(manifest.dependencies?.['apache-arrow']).toBeUndefined()
    if (manifest.peerDependencies?.['apache-arrow'] !== undefined) {
      expect(manifest.peerDependenciesMeta?.['apache-arrow']?.optional).toBe(true)
    }
  })

  it('pins its runtime dependencies exactly', () => {
    for (const [name, range] of Object.entries(manifest.dependencies ?? {})) {
      if (name.startsWith('@sd/')) continue
      expect(range, `${name}@${range}`).toMatch(/^\d+\.\d+\.\d+(-[\w.]+)?$/)
    }
  })

  it('lays its source out in the standard files; index.ts only re-exports', () => {
    const src = join(root, 'packages', dir, 'src')
    for (const file of ['index.ts', 'options.ts', 'errors.ts'])
      expect(existsSync(join(src, file)), `packages/${dir}/src/${file}`).toBe(true)
    const index = readFileSync(join(src, 'index.ts'), 'utf8')
    expect(index).toContain('@packageDocumentation')
    // with comments removed, every statement is an `export ... from '...'`
    const code = index.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '')
    const statements = code
      .split(/(?<=['"])\s*\n/)
      .map((s) => s.trim())
      .filter((s) => s.length > 0)
    for (const statement of statements)
      expect(statement).toMatch(/^export (type )?(\*|\{[\s\S]*\}) from '\.\/[\w./-]+\.js'$/)
    // a package with a loadX factory keeps it in load.ts, and its loader in loader.ts
    if (/\bload[A-Z]\w*/.test(code)) {
      expect(code).toMatch(/ from '\.\/load\.js'/)
      expect(existsSync(join(src, 'loader.ts')), `packages/${dir}/src/loader.ts`).toBe(true)
    }
  })

  it('exports types first: the source condition, then types, then import; published without the source', () => {
    const dot = manifest.exports?.['.']
    expect(conditionOrder(dot)).toEqual(['@sd/source', 'types', 'import'])
    const published = manifest.publishConfig?.exports?.['.']
    expect(conditionOrder(published)).toEqual(['types', 'import'])
  })
})
