import { AuthError, NotFoundError, type RecordBatch, ValidationError } from '@sd/core'
import { parquetMetadata } from 'hyparquet'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { loadHuggingFace } from './load.js'
import { HuggingFaceStreamingLoader } from './loader.js'
import { collect, parquetRows, readDirect } from './test-support/fixtures.js'
import { FakeHub } from './test-support/hub-server.js'

let hub: FakeHub
const TOKEN = 'hf_test_token_123'

// own Parquet files: train in two files (1000 + 700 rows, row groups of 250), test in one
const train0 = parquetRows({ start: 0, count: 1000, rowGroupSize: 250 })
const train1 = parquetRows({ start: 1000, count: 700, rowGroupSize: 250 })
const test0 = parquetRows({ start: 5000, count: 120, rowGroupSize: 50 })

beforeAll(async () => {
  hub = await FakeHub.start()
  hub.commit('acme/own', [
    { path: 'README.md', data: '# acme/own\n' },
    { path: '.gitattributes', data: '*.parquet filter=lfs\n' },
    { path: 'data/train-00000-of-00002.parquet', data: train0 },
    { path: 'data/train-00001-of-00002.parquet', data: train1 },
    { path: 'data/test-00000-of-00001.parquet', data: test0 },
  ])
})
afterAll(() => hub.close())
afterEach(() => {
  hub.failEvery = 0
  hub.latencyMs = 0
  hub.omitSiblings = false
  vi.unstubAllEnvs()
})

const sizes = (batches: RecordBatch[]) => batches.map((b) => b.numRows)

describe('loadHuggingFace over the repository’s own Parquet files', () => {
  it('yields exact batches whose rows match reading the same files with hyparquet', async () => {
    const batches = await collect(loadHuggingFace('acme/own', { hubUrl: hub.url, batchSize: 300 }))
    expect(sizes(batches)).toEqual([300, 300, 300, 300, 300, 200])
    const rows = batches.flatMap((b) => b.rows())
    expect(rows).toEqual(await readDirect([train0, train1]))
    // typed columns where the data allows: required INT32, and OPTIONAL DOUBLE without nulls
    expect(batches[0]?.column('id')).toBeInstanceOf(Int32Array)
    expect(batches[0]?.column('score')).toBeInstanceOf(Float64Array)
    expect(batches[0]?.schema.map((f) => [f.name, f.type])).toEqual([
      ['id', 'int32'],
      ['score', 'float64'],
      ['label', 'string'],
      ['maybe', 'int64'],
    ])
  })

  it('reads another split and reports metadata pinned to the commit', async () => {
    const loader = new HuggingFaceStreamingLoader('acme/own', {
      hubUrl: hub.url,
      split: 'test',
      batchSize: 1000,
    })
    const meta = await loader.getMetadata()
    expect(meta).toMatchObject({
      dataset: 'acme/own',
      config: 'default',
      split: 'test',
      revision: hub.head('acme/own'),
      source: 'repository',
      format: 'parquet',
      numRows: 120,
      partial: false,
    })
    expect(meta.splits.sort()).toEqual(['test', 'train'])
    expect(meta.files).toEqual([
      {
        path: 'data/test-00000-of-00001.parquet',
        url: `${hub.url}/datasets/acme/own/resolve/${hub.head('acme/own')}/data/test-00000-of-00001.parquet`,
        sizeBytes: test0.byteLength,
        numRows: Number(parquetMetadata(test0.buffer as ArrayBuffer).num_rows),
      },
    ])
    const rows = await loader.toDataset().toArray()
    expect(rows).toEqual(await readDirect([test0]))
  })

  it('knows the schema from the first footer, in the order of columns', async () => {
    const ds = loadHuggingFace('acme/own', { hubUrl: hub.url, columns: ['label', 'id'] })
    expect(await ds.schema()).toEqual([
      { name: 'label', type: 'string', nullable: true },
      { name: 'id', type: 'int32', nullable: false },
    ])
    expect((await ds.take(3).toArray()).map((r) => Object.keys(r))).toEqual([
      ['label', 'id'],
      ['label', 'id'],
      ['label', 'id'],
    ])
  })

  it('names a column that does not exist and lists those that do', async () => {
    const err = await loadHuggingFace('acme/own', { hubUrl: hub.url, columns: ['id', 'nope'] })
      .toArray()
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ValidationError)
    expect((err as ValidationError).code).toBe('UNKNOWN_COLUMN')
    expect((err as ValidationError).location?.column).toBe('nope')
    expect((err as ValidationError).location?.url).toContain('/resolve/')
    expect((err as Error).message).toContain('"nope"')
    expect((err as Error).message).toContain('id, score, label, maybe')
  })

  it('lists the splits that exist when asked for an unknown one', async () => {
    const err = await loadHuggingFace('acme/own', { hubUrl: hub.url, split: 'validation' })
      .toArray()
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(NotFoundError)
    expect((err as NotFoundError).code).toBe('HF_SPLIT_NOT_FOUND')
    expect((err as Error).message).toMatch(/"validation".*splits are: (train, test|test, train)/)
  })
})

describe('in-memory rows', () => {
  const rows = Array.from({ length: 250 }, (_, i) => ({ id: i, even: i % 2 === 0 }))

  it('cuts 250 rows into batches of 100, 100 and 50', async () => {
    expect(sizes(await collect(loadHuggingFace({ rows }, { batchSize: 100 })))).toEqual([100, 100, 50])
    const ds = loadHuggingFace({ rows }, { batchSize: 100 })
    expect(await ds.toArray()).toEqual(rows)
  })

  it('takes an async iterable the same way', async () => {
    async function* generate() {
      for (const row of rows) yield row
    }
    const batches = await collect(loadHuggingFace(generate(), { batchSize: 100 }))
    expect(sizes(batches)).toEqual([100, 100, 50])
    expect(batches.flatMap((b) => b.rows())).toEqual(rows)
  })

  it('refuses a second pass over a one-shot iterator', async () => {
    const once = (function* () {
      yield* rows
    })()
    const ds = loadHuggingFace(once, { batchSize: 100 })
    expect((await ds.toArray()).length).toBe(250)
    await expect(ds.toArray()).rejects.toMatchObject({ code: 'SOURCE_CONSUMED' })
  })

  it('lays rows out as columns: typed values with validity bitmaps, strings as offsets and bytes', async () => {
    const mixed = Array.from({ length: 10 }, (_, i) => ({
      n: i % 4 === 0 ? null : i,
      big: BigInt(i) * 10n ** 12n,
      s: i % 3 === 0 ? null : `s${i}`,
    }))
    const [batch] = await collect(loadHuggingFace({ rows: mixed }))
    expect(batch?.data('n')).toMatchObject({ kind: 'fixed', type: 'int32', nullCount: 3 })
    expect(batch?.column('n')).toEqual(Int32Array.from(mixed, (r) => r.n ?? 0))
    expect(batch?.data('big')).toMatchObject({ kind: 'fixed', type: 'int64' })
    expect(batch?.data('s')).toMatchObject({ kind: 'utf8', type: 'string', nullCount: 4 })
    expect(batch?.rows()).toEqual(mixed)
    const [asNumbers] = await collect(loadHuggingFace({ rows: mixed }, { int64: 'number' }))
    expect(asNumbers?.column('big')).toEqual(Float64Array.from(mixed, (r) => Number(r.big)))
  })

  it('keeps keys such as __proto__ as columns, never as prototypes', async () => {
    const rows = [
      JSON.parse('{"__proto__": {"isAdmin": true}, "user": "eve"}'),
      JSON.parse('{"constructor": 1, "toString": "x", "user": "bob"}'),
    ] as Record<string, unknown>[]
    const [batch] = await collect(loadHuggingFace({ rows }))
    expect(batch?.columnNames).toEqual(['__proto__', 'user', 'constructor', 'toString'])
    const [eve, bob] = batch?.rows() ?? []
    expect((eve as { isAdmin?: unknown }).isAdmin).toBeUndefined()
    expect(Object.hasOwn(eve as object, '__proto__')).toBe(true)
    expect(bob?.constructor).toBe(1)
    const picked = await loadHuggingFace({ rows }, { columns: ['user', '__proto__'] }).toArray()
    expect((picked[0] as { isAdmin?: unknown }).isAdmin).toBeUndefined()
    expect(picked.map((r) => r.user)).toEqual(['eve', 'bob'])
  })

  it('applies columns and filters to rows too', async () => {
    const got = await loadHuggingFace(
      { rows },
      { batchSize: 100, columns: ['id'], filters: { even: { $eq: true } } },
    ).toArray()
    expect(got).toEqual(rows.filter((r) => r.even).map((r) => ({ id: r.id })))
  })
})

describe('construction', () => {
  it('refuses a source that is neither a dataset name nor rows', () => {
    for (const bad of [undefined, null, {}, 42, { rows: 'abc' }]) {
      const attempt = () => new HuggingFaceStreamingLoader(bad as never)
      expect(attempt).toThrow(ValidationError)
      expect(attempt).toThrow(/Expected a dataset name such as "org\/name", \{ rows: \[\.\.\.\] \}/)
    }
    expect(() => loadHuggingFace('not a name!')).toThrow(ValidationError)
  })

  it('refuses a token that is not a Hugging Face token', () => {
    expect(() => loadHuggingFace('acme/own', { accessToken: 'abc' })).toThrow(/must be a Hugging Face token/)
    vi.stubEnv('HF_TOKEN', 'nope')
    expect(() => loadHuggingFace('acme/own')).toThrow(/HF_TOKEN must be/)
  })
})

describe('authentication', () => {
  beforeAll(() => {
    hub.commit('acme/private', [{ path: 'train.parquet', data: test0 }], { access: 'private', token: TOKEN })
    hub.commit('acme/gated', [{ path: 'train.parquet', data: test0 }], { access: 'gated', token: TOKEN })
  })

  it('answers a 401 with an AuthError that says to set HF_TOKEN', async () => {
    const err = await loadHuggingFace('acme/private', { hubUrl: hub.url })
      .toArray()
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(AuthError)
    expect((err as AuthError).status).toBe(401)
    expect((err as Error).message).toContain('HF_TOKEN')
  })

  it('reads a private dataset with accessToken, or with HF_TOKEN and HF_ENDPOINT from the environment', async () => {
    const expected = await readDirect([test0])
    expect(await loadHuggingFace('acme/private', { hubUrl: hub.url, accessToken: TOKEN }).toArray()).toEqual(
      expected,
    )
    vi.stubEnv('HF_TOKEN', TOKEN)
    vi.stubEnv('HF_ENDPOINT', hub.url)
    expect(await loadHuggingFace('acme/private').toArray()).toEqual(expected)
  })

  it('says to set HF_TOKEN when a gated dataset refuses its files (401 without a token, 403 with a wrong one)', async () => {
    for (const [token, status] of [
      [undefined, 401],
      ['hf_wrong', 403],
    ] as const) {
      const err = await loadHuggingFace('acme/gated', {
        hubUrl: hub.url,
        ...(token ? { accessToken: token } : {}),
      })
        .toArray()
        .catch((e: unknown) => e)
      expect(err).toBeInstanceOf(AuthError)
      expect((err as AuthError).status).toBe(status)
      expect((err as Error).message).toContain('HF_TOKEN')
    }
  })
})
