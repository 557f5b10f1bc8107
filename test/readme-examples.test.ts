import { spawnSync } from 'node:child_process'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '..')

/**
 * READMEs whose `ts` blocks are complete programs; each block runs as written (a block fenced
 * ```ts needs-network``` reads the public internet, which tests never do, and is left out).
 */
const readmes = [
  'packages/core/README.md',
  'packages/mmap-vectors/README.md',
  'packages/json/README.md',
  'packages/csv/README.md',
  'packages/parquet/README.md',
  'packages/hf/README.md',
  'packages/car/README.md',
  'packages/knn/README.md',
]

function blocks(markdown: string): string[] {
  return [...markdown.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] as string)
}

describe.each(readmes)('examples in %s', (readme) => {
  const dir = join(root, readme, '..')
  const examples = blocks(readFileSync(join(root, readme), 'utf8'))

  it('has examples', () => {
    expect(examples.length).toBeGreaterThan(0)
  })

  it.each(examples.map((code, i) => [i, code] as const))(
    'block %i runs and prints what its comments say',
    (i, code) => {
      const file = join(dir, `.readme-example-${i}.ts`)
      writeFileSync(file, code)
      try {
        const run = spawnSync(process.execPath, ['--conditions=@sd/source', '--import', 'tsx', file], {
          cwd: dir,
          encoding: 'utf8',
          timeout: 60_000,
        })
        expect(run.stderr).toBe('')
        expect(run.status).toBe(0)
        // every `console.log(x) // expected` line printed its expected value (first part of the comment)
        const printed = run.stdout.split('\n')
        for (const line of code.split('\n')) {
          const m = /console\.log\((.*)\) \/\/ ([^(,]+?)(?:\s+\(|$|,)/.exec(line)
          if (!m?.[2]) continue
          const expected = (m[2] as string).trim()
          expect(
            printed.some((p) => p.includes(expected)),
            `"${expected}" printed by: ${line.trim()}`,
          ).toBe(true)
        }
      } finally {
        rmSync(file, { force: true })
      }
    },
    // as long as the child may run (a busy machine makes a program of several steps take seconds)
    60_000,
  )
})
