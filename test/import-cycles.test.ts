/**
 * No source file of a package imports itself round a cycle, type-only imports included: cycles
 * hide which module owns a piece and make load order matter.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '..')

function sources(dir: string): string[] {
  const out: string[] = []
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry)
    if (statSync(path).isDirectory()) out.push(...sources(path))
    else if (path.endsWith('.ts') && !path.endsWith('.test.ts') && !path.endsWith('.d.ts')) out.push(path)
  }
  return out
}

/** Relative imports of a file (type-only ones included), resolved to `.ts` paths. */
function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  const out: string[] = []
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/g)) {
    out.push(resolve(dirname(file), (m[1] as string).replace(/\.js$/, '.ts')))
  }
  return out
}

/** The cycles of a graph, each as a list of files, found by depth-first search. */
function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = []
  const state = new Map<string, 'open' | 'done'>()
  const stack: string[] = []
  const visit = (node: string) => {
    state.set(node, 'open')
    stack.push(node)
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue
      if (state.get(next) === 'open') found.push(stack.slice(stack.indexOf(next)))
      else if (!state.has(next)) visit(next)
    }
    stack.pop()
    state.set(node, 'done')
  }
  for (const node of graph.keys()) if (!state.has(node)) visit(node)
  return found
}

const packages = readdirSync(join(root, 'packages')).filter((d) =>
  statSync(join(root, 'packages', d, 'src')).isDirectory(),
)

describe.each(packages)('imports of packages/%s', (dir) => {
  it('form no cycle, type-only imports included', () => {
    const files = sources(join(root, 'packages', dir, 'src'))
    const graph = new Map(files.map((f) => [f, imports(f)]))
    const found = cycles(graph).map((c) => c.map((f) => relative(root, f)).join(' -> '))
    expect(found).toEqual([])
  })
})
