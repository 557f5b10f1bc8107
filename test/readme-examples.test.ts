import { spawn } from 'node:child_process'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

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

const MARK = '@@sd-readme-block'

/** What one block printed, and whether it ran to its end. */
interface BlockRun {
  stdout: string
  stderr: string
  completed: boolean
}

/**
 * Runs a README's blocks one after another in one Node process (tsx, the `@sd/source`
 * condition), each block its own module, so Node and the sources load once per README rather than
 * once per block. Markers on stdout and stderr tell the blocks' output apart.
 */
async function runBlocks(dir: string, count: number): Promise<BlockRun[]> {
  const runner = join(dir, '.readme-examples.ts')
  writeFileSync(
    runner,
    `for (let i = 0; i < ${count}; i++) {
  process.stdout.write('\\n${MARK} ' + i + '\\n')
  process.stderr.write('\\n${MARK} ' + i + '\\n')
  await import('./.readme-example-' + i + '.ts')
  process.stdout.write('\\n${MARK} ' + i + ' done\\n')
}
`,
  )
  const child = spawn(process.execPath, ['--conditions=@sd/source', '--import', 'tsx', runner], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d
  })
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d
  })
  // as long as the blocks may run (a busy machine makes a program of several steps take seconds)
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000 * count)
  await new Promise((resolve) => child.on('close', resolve))
  clearTimeout(timer)
  rmSync(runner, { force: true })
  const sections = (text: string) => {
    const out = new Map<string, string>()
    const parts = text.split(new RegExp(`\\n${MARK} (\\d+(?: done)?)\\n`))
    for (let k = 1; k < parts.length; k += 2) out.set(parts[k] as string, parts[k + 1] as string)
    return out
  }
  const [out, err] = [sections(stdout), sections(stderr)]
  return Array.from({ length: count }, (_, i) => ({
    stdout: out.get(String(i)) ?? '',
    stderr: (err.get(String(i)) ?? '').trim(),
    completed: out.has(`${i} done`),
  }))
}

describe.each(readmes)('examples in %s', (readme) => {
  const dir = join(root, readme, '..')
  const examples = blocks(readFileSync(join(root, readme), 'utf8'))
  let runs: BlockRun[] = []

  beforeAll(async () => {
    for (const [i, code] of examples.entries()) writeFileSync(join(dir, `.readme-example-${i}.ts`), code)
    runs = await runBlocks(dir, examples.length)
  }, 30_000 * examples.length)

  afterAll(() => {
    for (const i of examples.keys()) rmSync(join(dir, `.readme-example-${i}.ts`), { force: true })
  })

  it('has examples', () => {
    expect(examples.length).toBeGreaterThan(0)
  })

  it.each(examples.map((code, i) => [i, code] as const))(
    'block %i runs and prints what its comments say',
    (i, code) => {
      const run = runs[i] as BlockRun
      expect(run.stderr).toBe('')
      expect(run.completed).toBe(true)
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
    },
  )
})
