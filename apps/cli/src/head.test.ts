import { readFileSync, writeFileSync } from 'node:fs'
import { FakeHub } from '@sd/hf/test-support'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { duckdb, EVENTS_SQL, tempDir } from './test-support/fixtures.js'
import { sd } from './test-support/run.js'

const tmp = tempDir()
afterAll(() => tmp.remove())
const parquet = tmp.path('events.parquet')
const csv = tmp.path('events.csv')

beforeAll(async () => {
  await duckdb(
    EVENTS_SQL(5000),
    `COPY events TO '${parquet}' (FORMAT parquet)`,
    `COPY events TO '${csv}' (HEADER)`,
  )
})

describe.concurrent('sd head', () => {
  it('prints the first rows as an aligned table, numbers right-aligned, types under the names', async () => {
    const run = await sd(['head', parquet, '-n', '3', '--columns', 'id,name,flag,ts,big'])
    expect(run.status, run.stderr).toBe(0)
    expect(run.stderr).toBe('')
    expect(run.stdout).toBe(
      [
        '┌───────┬─────────────┬───────┬─────────────────────────────┬───────────────┐',
        '│    id │ name        │ flag  │ ts                          │           big │',
        '│ int32 │ string      │ bool  │ timestamp[us]               │         int64 │',
        '├───────┼─────────────┼───────┼─────────────────────────────┼───────────────┤',
        '│     0 │ say "hi", 0 │ null  │ 2024-01-01T00:00:00.000000Z │             0 │',
        '│     1 │ name-1      │ false │ 2024-01-01T00:00:01.000000Z │ 1000000000000 │',
        '│     2 │ name-2      │ false │ 2024-01-01T00:00:02.000000Z │ 2000000000000 │',
        '└───────┴─────────────┴───────┴─────────────────────────────┴───────────────┘',
        '3 rows',
        '',
      ].join('\n'),
    )
  })

  it('prints JSON and NDJSON rows, filtered', async () => {
    const json = await sd([
      'head',
      csv,
      '-n',
      '2',
      '--columns',
      'id,name',
      '--filter',
      '{"id":{"$gte":11}}',
      '--json',
    ])
    expect(json.status, json.stderr).toBe(0)
    expect(JSON.parse(json.stdout)).toEqual([
      { id: 11, name: 'say "hi", 11' },
      { id: 12, name: 'name-5' },
    ])
    const ndjson = await sd(['head', parquet, '-n', '2', '--columns', 'big', '--ndjson'])
    expect(ndjson.stdout).toBe('{"big":0}\n{"big":1000000000000}\n')
  })

  it('reads a Hugging Face dataset from the hub named by HF_ENDPOINT', async () => {
    const hub = await FakeHub.start()
    try {
      hub.commit('acme/events', [{ path: 'data/train-00000-of-00001.parquet', data: readFileSync(parquet) }])
      const run = await sd(['head', 'hf:acme/events', '-n', '2', '--columns', 'id,name', '--json'], {
        env: { HF_ENDPOINT: hub.url, HF_TOKEN: '' },
      })
      expect(run.status, run.stderr).toBe(0)
      expect(JSON.parse(run.stdout)).toEqual([
        { id: 0, name: 'say "hi", 0' },
        { id: 1, name: 'name-1' },
      ])
    } finally {
      await hub.close()
    }
  })

  it('shows line breaks and long text on one line, cut', async () => {
    const file = tmp.path('long.csv')
    writeFileSync(file, `id,text\n1,"two\nlines"\n2,${'x'.repeat(60)}\n`)
    const run = await sd(['head', file])
    expect(run.stdout).toContain('│     1 │ two⏎lines                                │')
    expect(run.stdout).toContain(`│     2 │ ${'x'.repeat(39)}… │`)
  })

  it('gives one usage line and exit status 2 for a bad flag value or an unknown flag', async () => {
    const bad = await sd(['head', parquet, '-n', 'ten'])
    expect(bad.status).toBe(2)
    expect(bad.stderr).toBe(
      `sd: USAGE: option '-n, --rows <n>' argument 'ten' is invalid. expected a positive integer, got "ten" (see sd head --help)\n`,
    )
    const unknown = await sd(['head', parquet, '--colums', 'id'])
    expect(unknown.status).toBe(2)
    expect(unknown.stderr).toBe(
      `sd: USAGE: unknown option '--colums' (Did you mean --columns?) (see sd head --help)\n`,
    )
  })
})
