import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import ts from 'typescript'
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

/** The package's source files that ship: no tests, no test support, no declarations. */
function shippedSources(dir: string): string[] {
  const out: string[] = []
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry)
    if (statSync(path).isDirectory()) {
      if (entry !== 'test-support') out.push(...shippedSources(path))
    } else if (path.endsWith('.ts') && !path.endsWith('.test.ts') && !path.endsWith('.d.ts')) out.push(path)
  }
  return out
}

/** A static `import ... from` or `export ... from` statement of a file. */
interface StaticLink {
  specifier: string
  /** `import type ...` or `export type ...`: erased at compile time, loads nothing. */
  typeOnly: boolean
  line: number
}

const linkCache = new Map<string, StaticLink[]>()

/**
 * The static module statements of a file (parsed, so examples in comments do not count). Under
 * `verbatimModuleSyntax`, `import { type A } from 'x'` still loads `x` at run time: only a
 * statement-level `import type` / `export type` is type-only.
 */
function staticLinks(file: string): StaticLink[] {
  const cached = linkCache.get(file)
  if (cached) return cached
  const source = ts.createSourceFile(
    file,
    readFileSync(file, 'utf8'),
    ts.ScriptTarget.Latest,
    true,
    ts.ScriptKind.TS,
  )
  const out: StaticLink[] = []
  const add = (specifier: ts.Node | undefined, typeOnly: boolean, node: ts.Node) => {
    if (specifier === undefined || !ts.isStringLiteral(specifier)) return
    const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1
    out.push({ specifier: specifier.text, typeOnly, line })
  }
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement))
      add(statement.moduleSpecifier, statement.importClause?.isTypeOnly === true, statement)
    else if (ts.isExportDeclaration(statement))
      add(statement.moduleSpecifier, statement.isTypeOnly, statement)
    else if (
      ts.isImportEqualsDeclaration(statement) &&
      ts.isExternalModuleReference(statement.moduleReference)
    )
      add(statement.moduleReference.expression, statement.isTypeOnly, statement)
  }
  linkCache.set(file, out)
  return out
}

/** The files an entry loads through static value imports (relative ones, `.js` read as `.ts`). */
function reachable(entry: string): Set<string> {
  const seen = new Set<string>()
  const visit = (file: string) => {
    if (seen.has(file) || !existsSync(file)) return
    seen.add(file)
    for (const link of staticLinks(file)) {
      if (!link.typeOnly && link.specifier.startsWith('.'))
        visit(resolve(dirname(file), link.specifier.replace(/\.js$/, '.ts')))
    }
  }
  visit(entry)
  return seen
}

/** The source file of each entry point in the manifest's `exports` (its `@sd/source` condition). */
function entryFiles(manifest: Manifest, packageDir: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const [key, entry] of Object.entries(manifest.exports ?? {})) {
    const source =
      entry && typeof entry === 'object' ? (entry as Record<string, unknown>)['@sd/source'] : undefined
    if (typeof source === 'string') out.set(key, resolve(packageDir, source))
  }
  return out
}

/** The names of the `export function` declarations of a file. */
function exportedFunctions(file: string): string[] {
  const source = ts.createSourceFile(
    file,
    readFileSync(file, 'utf8'),
    ts.ScriptTarget.Latest,
    false,
    ts.ScriptKind.TS,
  )
  return source.statements
    .filter(ts.isFunctionDeclaration)
    .filter((f) => f.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword) === true)
    .flatMap((f) => (f.name ? [f.name.text] : []))
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

  it('imports its optional peers only dynamically (a third-party one also behind its own entry point)', () => {
    const packageDir = join(root, 'packages', dir)
    const optional = Object.keys(manifest.peerDependencies ?? {}).filter(
      (name) => manifest.peerDependenciesMeta?.[name]?.optional === true,
    )
    const found: { file: string; link: StaticLink; peer: string }[] = []
    for (const file of shippedSources(join(packageDir, 'src'))) {
      const text = readFileSync(file, 'utf8')
      if (!optional.some((name) => text.includes(name))) continue
      for (const link of staticLinks(file)) {
        if (link.typeOnly) continue
        const peer = optional.find((name) => link.specifier === name || link.specifier.startsWith(`${name}/`))
        if (peer !== undefined) found.push({ file, link, peer })
      }
    }
    // another sd package: always through importPeer, so a user without it gets MISSING_PEER;
    // a third-party peer (apache-arrow): statically only in files that a subpath entry point
    // (such as @sd/core/arrow) loads and the main entry point never does
    const entries = entryFiles(manifest, packageDir)
    const thirdParty = found.some(({ peer }) => !peer.startsWith('@sd/'))
    const fromMain = thirdParty
      ? reachable(entries.get('.') ?? join(packageDir, 'src', 'index.ts'))
      : new Set()
    const fromSubpaths = new Set(
      thirdParty
        ? [...entries].filter(([key]) => key !== '.').flatMap(([, file]) => [...reachable(file)])
        : [],
    )
    const offending = found
      .filter(({ file, peer }) => peer.startsWith('@sd/') || !fromSubpaths.has(file) || fromMain.has(file))
      .map(({ file, link }) => `${relative(root, file)}:${link.line} imports '${link.specifier}' statically`)
    expect(offending, 'use `await importPeer(...)`, or `import type` for types').toEqual([])
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
    // a package with a loadX factory keeps it in load.ts (every loadX it exports comes from there,
    // declared as a function), and its loader in loader.ts
    const loadNames = [...code.matchAll(/\b(load[A-Z]\w*)\b/g)].map((m) => m[1] as string)
    const hasLoad = existsSync(join(src, 'load.ts'))
    if (loadNames.length > 0 || hasLoad) {
      expect(hasLoad, `packages/${dir}/src/load.ts`).toBe(true)
      expect(existsSync(join(src, 'loader.ts')), `packages/${dir}/src/loader.ts`).toBe(true)
      const factories = exportedFunctions(join(src, 'load.ts')).filter((name) => /^load[A-Z]\w*$/.test(name))
      expect(factories.length, `packages/${dir}/src/load.ts exports a load[A-Z]* function`).toBeGreaterThan(0)
      for (const name of loadNames) expect(factories, `${name} is a function of load.ts`).toContain(name)
      for (const statement of statements.filter((st) => /\bload[A-Z]\w*\b/.test(st)))
        expect(statement, 'a loadX is exported from ./load.js').toMatch(/ from '\.\/load\.js'$/)
    }
  })

  it('exports types first: the source condition, then types, then import; published without the source', () => {
    const dot = manifest.exports?.['.']
    expect(conditionOrder(dot)).toEqual(['@sd/source', 'types', 'import'])
    const published = manifest.publishConfig?.exports?.['.']
    expect(conditionOrder(published)).toEqual(['types', 'import'])
  })
})
