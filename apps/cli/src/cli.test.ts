import type { Command } from 'commander'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createProgram } from './program.js'
import { duckdb, EVENTS_SQL, tempDir } from './test-support/fixtures.js'
import { sd } from './test-support/run.js'

const tmp = tempDir()
afterAll(() => tmp.remove())
const csv = tmp.path('events.csv')

beforeAll(async () => {
  await duckdb(EVENTS_SQL(2000), `COPY events TO '${csv}' (HEADER)`)
})

const COMMANDS = ['convert', 'inspect', 'head', 'verify', 'serve', 'knn build', 'knn search']

describe.concurrent('the sd command line', () => {
  it('lists every command with examples in sd --help', async () => {
    const run = await sd(['--help'])
    expect(run.status).toBe(0)
    for (const name of ['convert', 'inspect', 'head', 'verify', 'serve', 'knn']) {
      expect(run.stdout).toMatch(new RegExp(`^ {2}${name} `, 'm'))
      expect(run.stdout).toMatch(new RegExp(`^ {2}\\$ sd ${name} `, 'm'))
    }
  })

  it.each(COMMANDS)('shows the options and an example in sd %s --help', async (command) => {
    // the same program the bin runs, in this process (a child each would only cost time)
    let text = ''
    const program = createProgram(async () => undefined)
    const quiet = (c: Command) => {
      c.exitOverride().configureOutput({ writeOut: (s) => (text += s), writeErr: (s) => (text += s) })
      for (const sub of c.commands) quiet(sub)
    }
    quiet(program)
    await expect(
      program.parseAsync([...command.split(' '), '--help'], { from: 'user' }),
    ).rejects.toMatchObject({
      code: 'commander.helpDisplayed',
      exitCode: 0,
    })
    expect(text).toMatch(new RegExp(`^Usage: sd ${command} `))
    expect(text).toMatch(/^Options:\n/m)
    expect(text).toMatch(/^ {2}--debug +print the stack of an error$/m)
    expect(text).toMatch(/^ {2}-q, --quiet +\S/m)
    expect(text).toMatch(new RegExp(`^Examples:\\n {2}\\$ sd ${command} `, 'm'))
  })

  it('reports progress on stderr as plain lines when stderr is not a terminal, and not with --quiet', async () => {
    const out = tmp.path('progress.parquet')
    const env = { SD_PROGRESS_DELAY_MS: '0' }
    const run = await sd(['convert', csv, out], { env })
    expect(run.status, run.stderr).toBe(0)
    const lines = run.stderr.trimEnd().split('\n')
    expect(lines.at(-1)).toMatch(
      /^\S+events\.csv → \S+progress\.parquet: [\d.]+ \S?B of [\d.]+ \S?B \(100%\), 2,000 rows, [\d.]+ \S?B\/s, [\d,]+ rows\/s, done in [\d.]+ s$/,
    )
    expect(run.stderr).not.toContain('\u001b[')
    const quiet = await sd(['convert', csv, out, '--quiet'], { env })
    expect([quiet.status, quiet.stdout, quiet.stderr]).toEqual([0, '', ''])
  })

  it('gives one line and exit status 1 for a path that does not exist, with a stack only under --debug', async () => {
    const missing = tmp.path('nope.csv')
    const run = await sd(['convert', missing, tmp.path('out.parquet')])
    expect(run.status).toBe(1)
    expect(run.stderr).toBe(
      `sd: NOT_FOUND: No such file or directory: expected ${missing} to exist (at file "${missing}")\n`,
    )
    const debug = await sd(['convert', missing, tmp.path('out.parquet'), '--debug'])
    expect(debug.status).toBe(1)
    expect(debug.stderr.split('\n')[0]).toBe(run.stderr.trimEnd())
    expect(debug.stderr).toMatch(/\n {4}at /)
  })

  it('gives exit status 2 for an unknown command, an unknown format name and a bare sd', async () => {
    const unknown = await sd(['conver', csv])
    expect(unknown.status).toBe(2)
    expect(unknown.stderr).toBe(
      `sd: USAGE: unknown command 'conver' (Did you mean convert?) (see sd --help)\n`,
    )
    const format = await sd(['convert', csv, tmp.path('out.bin'), '--to', 'xlsx'])
    expect(format.status).toBe(2)
    expect(format.stderr).toBe(
      'sd: USAGE: Unknown format "xlsx" for --to: expected one of parquet, csv, ndjson, json, car\n',
    )
    const filter = await sd(['convert', csv, tmp.path('out.parquet'), '--filter', '{"id":{"$foo":1}}'])
    expect(filter.status).toBe(2)
    expect(filter.stderr).toMatch(
      /^sd: USAGE: option '--filter <json>' argument .* INVALID_FILTER: Invalid filter at id\.\$foo: unknown operator \$foo /,
    )
    const bare = await sd([])
    expect(bare.status).toBe(2)
    expect(bare.stderr).toMatch(/^Usage: sd /)
  })
})
