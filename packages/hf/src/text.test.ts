import { gzipSync } from 'node:zlib'
import { FormatError, type SdError, UnsupportedError, ValidationError } from '@sd/core'
import { loadJson } from '@sd/json'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadHuggingFace } from './load.js'
import { HuggingFaceStreamingLoader } from './loader.js'
import { CONVERSION_REVISION } from './options.js'
import { collect, hash, parquetRows, readDirect } from './test-support/fixtures.js'
import { FakeHub } from './test-support/hub-server.js'

let hub: FakeHub
const BROKEN = '{"a":1}\n{"a":2}\n{"a":\n'

/** `text` as a byte stream, a source @sd/json reads as it reads any other. */
async function* streamOf(text: string): AsyncGenerator<Uint8Array> {
  yield new TextEncoder().encode(text)
}

// rows with multi-byte text, so 1 KiB range reads cut characters in half
const objects = Array.from({ length: 700 }, (_, i) => ({
  id: i,
  text: `ünïcødé ${'€'.repeat(i % 5)} #${i} ${hash(i).toString(36)}`,
  meta: { even: i % 2 === 0, tags: [i % 3, 'x'] },
}))
const jsonl = `${objects.map((o) => JSON.stringify(o)).join('\n')}\n`

// CSV rows with the awkward cases: commas, quotes and line breaks inside quoted fields, empty values
const csvObjects = Array.from({ length: 300 }, (_, i) => ({
  id: i,
  score: i % 4 === 0 ? null : i / 8,
  name: i % 10 === 0 ? `say "hi", ${i}\nthen go` : `name ${i}`,
  ok: i % 3 === 0,
}))
function csvOf(rows: typeof csvObjects, delimiter: string, newline: string): string {
  const quote = (v: string) => (/[",\n\t]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v)
  const lines = rows.map((r) =>
    [String(r.id), r.score === null ? '' : String(r.score), quote(r.name), r.ok ? 'True' : 'False'].join(
      delimiter,
    ),
  )
  return [['id', 'score', 'name', 'ok'].join(delimiter), ...lines].join(newline) + newline
}

const conv = [
  parquetRows({ start: 0, count: 300, rowGroupSize: 100 }),
  parquetRows({ start: 300, count: 200, rowGroupSize: 100 }),
]
const convTest = parquetRows({ start: 9000, count: 40, rowGroupSize: 40 })

beforeAll(async () => {
  hub = await FakeHub.start()
  hub.commit('acme/jsonl', [
    { path: 'README.md', data: '# JSON Lines\n' },
    { path: 'data/train.jsonl', data: jsonl },
    { path: 'data/test.jsonl.gz', data: gzipSync(jsonl), lfs: true },
  ])
  hub.commit('acme/csv', [
    { path: 'train.csv', data: csvOf(csvObjects, ',', '\r\n') },
    { path: 'test.tsv', data: csvOf(csvObjects, '\t', '\n') },
    { path: 'validation.txt', data: 'first line\nsecond line\n\nfourth line' },
  ])
  // a CSV repository the hub converted: the conversion wins, pinned to its own commit
  hub.commit('acme/converted', [
    { path: 'train.csv', data: 'id\n1\n' },
    { path: 'test.csv', data: 'id\n2\n' },
  ])
  hub.commit(
    'acme/converted',
    [
      { path: 'default/train/0000.parquet', data: conv[0] as Uint8Array },
      { path: 'default/train/0001.parquet', data: conv[1] as Uint8Array },
      { path: 'default/partial-test/0000.parquet', data: convTest },
    ],
    { branch: CONVERSION_REVISION },
  )
  // a dataset with a loading script and no data files, converted into two configs
  hub.commit('acme/scripted', [{ path: 'scripted.py', data: 'import datasets\n' }])
  hub.commit(
    'acme/scripted',
    [
      { path: 'en/train/0000.parquet', data: conv[0] as Uint8Array },
      { path: 'fr/train/0000.parquet', data: conv[1] as Uint8Array },
    ],
    { branch: CONVERSION_REVISION },
  )
  hub.commit('acme/images', [{ path: 'train/0001.png', data: 'png' }])
  hub.commit('acme/document', [{ path: 'train.json', data: JSON.stringify(objects) }])
  hub.commit('acme/broken', [{ path: 'train.jsonl', data: BROKEN }])
})
afterAll(() => hub.close())

describe('the hub’s Parquet conversion', () => {
  it('reads a converted split at the conversion branch’s commit', async () => {
    const loader = new HuggingFaceStreamingLoader('acme/converted', { hubUrl: hub.url, batchSize: 128 })
    const batches = await collect(loader.toDataset())
    expect(batches.map((b) => b.numRows)).toEqual([128, 128, 128, 116])
    expect(batches.flatMap((b) => b.rows())).toEqual(await readDirect(conv))
    expect(await loader.getMetadata()).toMatchObject({
      source: 'parquet-conversion',
      revision: hub.head('acme/converted', CONVERSION_REVISION),
      config: 'default',
      numRows: 500,
      partial: false,
    })
  })

  it('reads the conversion branch when it is the revision asked for', async () => {
    const loader = new HuggingFaceStreamingLoader('acme/converted', {
      hubUrl: hub.url,
      revision: CONVERSION_REVISION,
    })
    expect(await loader.toDataset().toArray()).toEqual(await readDirect(conv))
    expect(await loader.getMetadata()).toMatchObject({
      requestedRevision: CONVERSION_REVISION,
      revision: hub.head('acme/converted', CONVERSION_REVISION),
      source: 'parquet-conversion',
    })
  })

  it('marks a split the conversion cut short as partial', async () => {
    const loader = new HuggingFaceStreamingLoader('acme/converted', { hubUrl: hub.url, split: 'test' })
    expect(await loader.toDataset().toArray()).toEqual(await readDirect([convTest]))
    expect((await loader.getMetadata()).partial).toBe(true)
  })

  it('asks for a config when there are several, and lists them for an unknown one', async () => {
    const none = await loadHuggingFace('acme/scripted', { hubUrl: hub.url })
      .toArray()
      .catch((e: unknown) => e)
    expect(none).toBeInstanceOf(ValidationError)
    expect((none as SdError).code).toBe('HF_CONFIG_REQUIRED')
    expect((none as Error).message).toContain('en, fr')
    const unknown = await loadHuggingFace('acme/scripted', { hubUrl: hub.url, config: 'de' })
      .toArray()
      .catch((e: unknown) => e)
    expect((unknown as SdError).code).toBe('HF_CONFIG_NOT_FOUND')
    expect((unknown as Error).message).toContain('en, fr')
    const fr = await loadHuggingFace('acme/scripted', { hubUrl: hub.url, config: 'fr' }).toArray()
    expect(fr).toEqual(await readDirect([conv[1] as Uint8Array]))
  })
})

describe('JSON Lines, CSV and text files through range reads', () => {
  it('streams JSON Lines in exact batches across 1 KiB range reads', async () => {
    const batches = await collect(
      loadHuggingFace('acme/jsonl', { hubUrl: hub.url, batchSize: 256, chunkBytes: 1024 }),
    )
    expect(batches.map((b) => b.numRows)).toEqual([256, 256, 188])
    expect(batches.flatMap((b) => b.rows())).toEqual(objects)
  })

  it('keeps prefetchBatches - 1 range reads in flight ahead of the one parsed, no more', async () => {
    hub.latencyMs = 5
    hub.resetLog()
    try {
      const rows = await loadHuggingFace('acme/jsonl', {
        hubUrl: hub.url,
        chunkBytes: 4096,
        prefetchBatches: 4,
      }).toArray()
      expect(rows).toEqual(objects)
    } finally {
      hub.latencyMs = 0
    }
    expect(hub.peakInFlight).toBeGreaterThan(1)
    expect(hub.peakInFlight).toBeLessThanOrEqual(4)
  })

  it('gunzips .gz files, and applies columns and filters', async () => {
    expect(
      await loadHuggingFace('acme/jsonl', { hubUrl: hub.url, split: 'test', chunkBytes: 1024 }).toArray(),
    ).toEqual(objects)
    const got = await loadHuggingFace('acme/jsonl', {
      hubUrl: hub.url,
      columns: ['id'],
      filters: { id: { $lt: 10 } },
    }).toArray()
    expect(got).toEqual(Array.from({ length: 10 }, (_, id) => ({ id })))
  })

  it('parses CSV and TSV (quotes, line breaks in fields, CRLF) and casts numbers and booleans', async () => {
    const expected = csvObjects.map((r) => ({ ...r }))
    for (const split of ['train', 'test']) {
      const rows = await loadHuggingFace('acme/csv', {
        hubUrl: hub.url,
        split,
        batchSize: 64,
        chunkBytes: 1024,
      }).toArray()
      expect(rows).toEqual(expected)
    }
  })

  it('reads text files as one row per line', async () => {
    expect(await loadHuggingFace('acme/csv', { hubUrl: hub.url, split: 'validation' }).toArray()).toEqual([
      { text: 'first line' },
      { text: 'second line' },
      { text: '' },
      { text: 'fourth line' },
    ])
  })

  it('names the file and line of a broken JSON line, reads JSON documents, and refuses unknown formats', async () => {
    const broken = await loadHuggingFace('acme/broken', { hubUrl: hub.url })
      .toArray()
      .catch((e: unknown) => e)
    expect(broken).toBeInstanceOf(FormatError)
    // @sd/json's error, as loadJson gives it for the same bytes
    const direct = await loadJson(streamOf(BROKEN))
      .toArray()
      .catch((e: unknown) => e)
    expect((broken as SdError).code).toBe((direct as SdError).code)
    expect((broken as SdError).location?.line).toBe(3)
    expect((broken as SdError).location?.url).toContain('/datasets/acme/broken/resolve/')
    expect(await loadHuggingFace('acme/document', { hubUrl: hub.url }).toArray()).toEqual(objects)
    const images = await loadHuggingFace('acme/images', { hubUrl: hub.url })
      .toArray()
      .catch((e: unknown) => e)
    expect(images).toBeInstanceOf(UnsupportedError)
    expect((images as SdError).code).toBe('HF_FORMAT_UNSUPPORTED')
  })
})
