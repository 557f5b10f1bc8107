/**
 * CSV, JSON Lines and text files of a split read as the format packages read the same bytes: the
 * same schema and values, the same errors (with the file's URL), and the text reader's own checks.
 */
import { gzipSync } from 'node:zlib'
import type { RecordBatch, SdError } from '@sd/core'
import { loadCsv } from '@sd/csv'
import { loadJson } from '@sd/json'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadHuggingFace } from './load.js'
import { collect, hash } from './test-support/fixtures.js'
import { FakeHub } from './test-support/hub-server.js'

let hub: FakeHub

const csv = `id,score,big,name,ok\n${Array.from(
  { length: 500 },
  (_, i) =>
    `${i},${i % 6 === 0 ? '' : (hash(i) % 1000) / 8},${BigInt(i) * 10n ** 13n},"n ""${i}""",${i % 2 === 0}`,
).join('\n')}\n`
const jsonl = `${Array.from({ length: 500 }, (_, i) =>
  JSON.stringify({ id: i, tag: i % 4 === 0 ? null : `t${i % 7}`, big: i * 2 ** 40, nested: { i } }),
).join('\n')}\n`
const ragged = 'a,b\n1,2\n3,4,5\n'
const gzipped = gzipSync(jsonl)
const truncated = gzipped.subarray(0, gzipped.length - 40)

beforeAll(async () => {
  hub = await FakeHub.start()
  hub.commit('acme/csv', [{ path: 'train.csv', data: csv }])
  hub.commit('acme/jsonl', [{ path: 'data/train.jsonl', data: jsonl }])
  hub.commit('acme/ragged', [{ path: 'train.csv', data: ragged }])
  hub.commit('acme/truncated', [{ path: 'train.jsonl.gz', data: truncated, lfs: true }])
  hub.commit('acme/latin1', [{ path: 'train.txt', data: Buffer.from('ok\ncaf\xe9\nend\n', 'latin1') }])
  hub.commit('acme/long', [{ path: 'train.txt', data: `short\n${'x'.repeat(5000)}\n` }])
})
afterAll(() => hub.close())

/** The bytes as a stream, a source the format packages read like any other. */
async function* streamOf(data: string | Uint8Array): AsyncGenerator<Uint8Array> {
  yield typeof data === 'string' ? new TextEncoder().encode(data) : data
}

function values(batches: RecordBatch[]) {
  return batches.map((b) => b.columns().map((c) => Array.from({ length: c.length }, (_, i) => c.get(i))))
}

describe('text files read as the format packages read them', () => {
  for (const [name, dataset, direct] of [
    ['CSV', 'acme/csv', (o: object) => loadCsv(streamOf(csv), o)],
    ['JSON Lines', 'acme/jsonl', (o: object) => loadJson(streamOf(jsonl), o)],
  ] as const) {
    it(`${name}: the same schema and values`, async () => {
      for (const options of [
        { batchSize: 128 },
        { batchSize: 500, int64: 'number' as const, columns: ['big', 'id'] },
      ]) {
        const a = await collect(loadHuggingFace(dataset, { hubUrl: hub.url, chunkBytes: 1024, ...options }))
        const b = await collect(direct(options))
        expect(a.map((x) => x.schema)).toEqual(b.map((x) => x.schema))
        expect(values(a)).toEqual(values(b))
      }
    })
  }

  it('a ragged CSV record and a truncated gzip file fail as the format packages fail, naming the file', async () => {
    const fromHub = await loadHuggingFace('acme/ragged', { hubUrl: hub.url })
      .toArray()
      .catch((e: unknown) => e as SdError)
    const direct = await loadCsv(streamOf(ragged))
      .toArray()
      .catch((e: unknown) => e as SdError)
    expect(fromHub).toMatchObject({ code: (direct as SdError).code, location: { line: 3 } })
    expect((fromHub as SdError).location?.url).toContain('/datasets/acme/ragged/resolve/')
    const gz = await loadHuggingFace('acme/truncated', { hubUrl: hub.url })
      .toArray()
      .catch((e: unknown) => e as SdError)
    expect(gz).toMatchObject({ code: 'GZIP_CORRUPT' })
    expect((gz as SdError).location?.url).toContain('/datasets/acme/truncated/resolve/')
  })

  it('text files: invalid UTF-8 names the line, a line over maxRecordBytes is refused, only "text" is a column', async () => {
    const latin1 = await loadHuggingFace('acme/latin1', { hubUrl: hub.url })
      .toArray()
      .catch((e: unknown) => e as SdError)
    expect(latin1).toMatchObject({ code: 'INVALID_UTF8', location: { line: 2, byte: 6 } })
    const long = await loadHuggingFace('acme/long', {
      hubUrl: hub.url,
      chunkBytes: 1024,
      maxRecordBytes: 2000,
    })
      .toArray()
      .catch((e: unknown) => e as SdError)
    expect(long).toMatchObject({ code: 'RECORD_TOO_LARGE', location: { line: 2 } })
    expect(
      (await loadHuggingFace('acme/long', { hubUrl: hub.url, chunkBytes: 1024 }).toArray()).map(
        (r) => (r.text as string).length,
      ),
    ).toEqual([5, 5000])
    const unknown = await loadHuggingFace('acme/long', { hubUrl: hub.url, columns: ['line'] })
      .toArray()
      .catch((e: unknown) => e as SdError)
    expect(unknown).toMatchObject({ code: 'UNKNOWN_COLUMN' })
  })
})
