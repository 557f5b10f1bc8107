import { AbortError, type SdError } from '@sd/core'
import { type FileMetaData, parquetMetadata } from 'hyparquet'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { loadHuggingFace } from './load.js'
import { HuggingFaceStreamingLoader } from './loader.js'
import { parquetRows, readDirect } from './test-support/fixtures.js'
import { FakeHub, type RequestRecord } from './test-support/hub-server.js'

let hub: FakeHub
const TOKEN = 'hf_remote_token'
// 4000 rows with an incompressible 300-character text column: ~1.3 MB, row groups of 500 rows
const wide = parquetRows({ start: 0, count: 4000, rowGroupSize: 500, textLength: 300 })
const wideMeta: FileMetaData = parquetMetadata(wide.buffer as ArrayBuffer)
const small0 = parquetRows({ start: 0, count: 900, rowGroupSize: 100 })
const small1 = parquetRows({ start: 900, count: 600, rowGroupSize: 100 })

beforeAll(async () => {
  hub = await FakeHub.start({ treePageSize: 2 })
  hub.commit('acme/wide', [{ path: 'train.parquet', data: wide }], { access: 'private', token: TOKEN })
  hub.commit('acme/small', [
    { path: 'data/train-00000-of-00002.parquet', data: small0 },
    { path: 'data/train-00001-of-00002.parquet', data: small1 },
  ])
})
afterAll(() => hub.close())
afterEach(() => {
  hub.failEvery = 0
  hub.latencyMs = 0
  hub.omitSiblings = false
})

/** Byte ranges `[start, end)` of the file read by range requests (the CDN serves LFS files). */
function ranges(log: RequestRecord[]): [number, number][] {
  return log
    .filter((r) => r.range && r.status === 206)
    .map((r) => {
      const [, a, b] = /bytes=(\d+)-(\d+)/.exec(r.range as string) as unknown as [string, string, string]
      return [Number(a), Number(b) + 1]
    })
}

/** Byte ranges of one column's chunks in every row group. */
function chunkRanges(meta: FileMetaData, column: string): [number, number][] {
  return meta.row_groups.map((g) => {
    const m = g.columns.find((c) => c.meta_data?.path_in_schema[0] === column)?.meta_data
    const start = Number(m?.dictionary_page_offset || m?.data_page_offset)
    return [start, start + Number(m?.total_compressed_size)]
  })
}

const overlaps = (a: [number, number], b: [number, number]) => a[0] < b[1] && b[0] < a[1]

/** The footer read: the first range read of a pass, of the file's last bytes (@sd/parquet decides how many). */
function footerRead(log: RequestRecord[], size: number): [number, number] {
  const first = ranges(log)[0]
  expect(first?.[1]).toBe(size)
  return first as [number, number]
}

describe('what is fetched', () => {
  const opts = { hubUrl: '', accessToken: TOKEN, batchSize: 1000 }

  it('fetches only the selected columns’ bytes', async () => {
    hub.resetLog()
    const rows = await loadHuggingFace('acme/wide', { ...opts, hubUrl: hub.url, columns: ['id'] }).toArray()
    expect(rows).toEqual(await readDirect([wide], { columns: ['id'] }))
    const idBytes = chunkRanges(wideMeta, 'id').reduce((s, [a, b]) => s + b - a, 0)
    const textChunks = chunkRanges(wideMeta, 'text')
    // the footer read takes the file's last bytes; every other range lies in an `id` chunk
    const tail = footerRead(hub.log, wide.byteLength)
    const others = ranges(hub.log).slice(1)
    expect(others.length).toBe(wideMeta.row_groups.length)
    for (const r of others) expect(textChunks.some((t) => overlaps(r, t))).toBe(false)
    expect(hub.bytesServed).toBe(tail[1] - tail[0] + idBytes)

    hub.resetLog()
    await loadHuggingFace('acme/wide', { ...opts, hubUrl: hub.url }).toArray()
    // all columns: every byte once, but the leading 4-byte magic number (and the footer read's
    // bytes of the last row group, which is read again)
    const footer = footerRead(hub.log, wide.byteLength)
    expect(hub.bytesServed).toBeGreaterThanOrEqual(wide.byteLength - 4)
    expect(hub.bytesServed).toBeLessThanOrEqual(wide.byteLength - 4 + footer[1] - footer[0])
  })

  it('skips row groups whose statistics exclude every match, and filters rows exactly', async () => {
    hub.resetLog()
    const filters = { $and: [{ id: { $gte: 3100 } }, { id: { $lt: 3300 } }] }
    const rows = await loadHuggingFace('acme/wide', { ...opts, hubUrl: hub.url, filters }).toArray()
    const direct = await readDirect([wide])
    expect(rows).toEqual(direct.filter((r) => (r.id as number) >= 3100 && (r.id as number) < 3300))
    // only row group 6 (ids 3000..3499) holds matches: the other groups' bytes are never read
    const [tail, ...reads] = ranges(hub.log)
    expect(tail?.[1]).toBe(wide.byteLength)
    for (const [i, chunk] of chunkRanges(wideMeta, 'id').entries()) {
      const fetched = reads.some((r) => overlaps(r, chunk))
      expect(fetched).toBe(i === 6)
    }
    expect(reads.length).toBe(1)
  })

  it('keeps prefetchBatches - 1 row groups in flight ahead of the one decoded, no more', async () => {
    hub.latencyMs = 5
    hub.resetLog()
    const rows = await loadHuggingFace('acme/wide', {
      ...opts,
      hubUrl: hub.url,
      columns: ['id'],
      prefetchBatches: 3,
    }).toArray()
    expect(rows.length).toBe(4000)
    expect(hub.peakInFlight).toBeGreaterThan(1)
    expect(hub.peakInFlight).toBeLessThanOrEqual(3)
  })

  it('counts 3 requests to the first batch without read-ahead: the revision, the footer, the first row group', async () => {
    hub.resetLog()
    const loader = new HuggingFaceStreamingLoader('acme/wide', {
      ...opts,
      hubUrl: hub.url,
      columns: ['id', 'score'],
      batchSize: 500,
      prefetchBatches: 0,
    })
    for await (const batch of loader.toDataset()) {
      // one row group
      expect(batch.numRows).toBe(500)
      break
    }
    const paths = hub.log.map((r) => r.path)
    // the hub answers the first resolve with a redirect (it is not counted as a separate read)
    const reads = hub.log.filter((r) => r.server === 'cdn' || r.path.startsWith('/api/'))
    expect(
      reads.slice(0, 3).map((r) => (r.server === 'cdn' ? `cdn ${r.range}` : r.path.split('?')[0])),
    ).toEqual([
      '/api/datasets/acme/wide',
      expect.stringMatching(new RegExp(`^cdn bytes=\\d+-${wide.byteLength - 1}$`)),
      expect.stringMatching(/^cdn bytes=4-/),
    ])
    expect(reads.length).toBe(3)
    expect(paths.filter((p) => p.startsWith('/api/')).length).toBe(1)
  })
})

describe('repeated passes', () => {
  it('resolve once per loader and serve a second pass from the range cache', async () => {
    const loader = new HuggingFaceStreamingLoader('acme/wide', {
      hubUrl: hub.url,
      accessToken: TOKEN,
      columns: ['id'],
    })
    hub.resetLog()
    const first = await loader.toDataset().toArray()
    const requests = hub.log.length
    expect(requests).toBeGreaterThan(2)
    const second = await loader.toDataset().toArray()
    expect(second).toEqual(first)
    expect(hub.log.length).toBe(requests)
    expect(loader.getStats().cache?.hits).toBeGreaterThan(0)
  })
})

describe('the fetch option', () => {
  it('sends every request through the given fetch', async () => {
    let calls = 0
    const counting: typeof fetch = (input, init) => {
      calls++
      return fetch(input, init)
    }
    hub.resetLog()
    const rows = await loadHuggingFace('acme/small', { hubUrl: hub.url, fetch: counting }).toArray()
    expect(rows.length).toBe(1500)
    expect(calls).toBe(hub.log.length)
    expect(calls).toBeGreaterThan(2)
  })
})

describe('failures and retries', () => {
  it('yields every row exactly once when every third request fails with 503', async () => {
    hub.failEvery = 3
    hub.resetLog()
    const rows = await loadHuggingFace('acme/wide', {
      hubUrl: hub.url,
      accessToken: TOKEN,
      batchSize: 128,
      backoffMs: 1,
      columns: ['id', 'label', 'maybe'],
    }).toArray()
    expect(rows.map((r) => r.id)).toEqual(Array.from({ length: 4000 }, (_, i) => i))
    expect(rows).toEqual(await readDirect([wide], { columns: ['id', 'label', 'maybe'] }))
    expect(hub.log.filter((r) => r.server === 'cdn' && r.status === 503).length).toBeGreaterThan(1)
  })

  it('retries the hub API too: the tree listing (and its pages) when the revision answer lists no files', async () => {
    hub.omitSiblings = true
    hub.failEvery = 3
    hub.resetLog()
    const rows = await loadHuggingFace('acme/small', {
      hubUrl: hub.url,
      batchSize: 500,
      backoffMs: 1,
    }).toArray()
    expect(rows).toEqual(await readDirect([small0, small1]))
    const tree = hub.log.filter((r) => r.path.includes('/tree/'))
    expect(tree.filter((r) => r.status === 200).length).toBeGreaterThan(1)
    expect(hub.log.filter((r) => r.server === 'hub' && r.status === 503).length).toBeGreaterThan(0)
  })
})

describe('the hub’s redirects to a CDN', () => {
  it('never sends the token to the CDN, and skips the hub for later ranges of a file', async () => {
    hub.resetLog()
    await loadHuggingFace('acme/wide', { hubUrl: hub.url, accessToken: TOKEN, batchSize: 1000 }).toArray()
    const cdn = hub.log.filter((r) => r.server === 'cdn')
    const resolves = hub.log.filter((r) => r.path.includes('/resolve/'))
    expect(cdn.length).toBeGreaterThan(1)
    expect(cdn.every((r) => r.authorization === undefined)).toBe(true)
    expect(resolves.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true)
    expect(resolves.length).toBe(1)
  })

  it('asks the hub again when a CDN link has expired', async () => {
    hub.resetLog()
    const seen: number[] = []
    for await (const batch of loadHuggingFace('acme/wide', {
      hubUrl: hub.url,
      accessToken: TOKEN,
      batchSize: 500,
      columns: ['id'],
      prefetchBatches: 0,
    })) {
      seen.push(...(batch.column('id') as Int32Array))
      if (seen.length === 500) hub.expireLinks()
    }
    expect(seen).toEqual(Array.from({ length: 4000 }, (_, i) => i))
    expect(hub.log.some((r) => r.server === 'cdn' && r.status === 403)).toBe(true)
    expect(hub.log.filter((r) => r.path.includes('/resolve/')).length).toBe(2)
  })
})

describe('the commit pin', () => {
  it('keeps reading the commit it started on when the branch moves mid-stream', async () => {
    const v1 = parquetRows({ start: 0, count: 600, rowGroupSize: 100 })
    const v2 = parquetRows({ start: 100_000, count: 600, rowGroupSize: 100 })
    const first = hub.commit('acme/moving', [{ path: 'data/train.parquet', data: v1 }])
    const ids: number[] = []
    const loader = new HuggingFaceStreamingLoader('acme/moving', {
      hubUrl: hub.url,
      batchSize: 100,
      prefetchBatches: 0,
    })
    let second = ''
    for await (const batch of loader.toDataset()) {
      ids.push(...(batch.column('id') as Int32Array))
      if (!second) second = hub.commit('acme/moving', [{ path: 'data/train.parquet', data: v2 }])
    }
    expect(hub.head('acme/moving')).toBe(second)
    expect(ids).toEqual(Array.from({ length: 600 }, (_, i) => i))
    expect((await loader.getMetadata()).revision).toBe(first)
    // a new loader sees the new commit
    const fresh = await loadHuggingFace('acme/moving', { hubUrl: hub.url }).toArray()
    expect(fresh).toEqual(await readDirect([v2]))
  })

  it('reads an older revision by sha, and names a revision that does not exist', async () => {
    const old = parquetRows({ start: 0, count: 50, rowGroupSize: 50 })
    const sha = hub.commit('acme/history', [{ path: 'train.parquet', data: old }])
    hub.commit('acme/history', [
      { path: 'train.parquet', data: parquetRows({ start: 7, count: 5, rowGroupSize: 5 }) },
    ])
    expect(await loadHuggingFace('acme/history', { hubUrl: hub.url, revision: sha }).toArray()).toEqual(
      await readDirect([old]),
    )
    // a branch name with a slash travels encoded in the API path
    const tagged = parquetRows({ start: 70, count: 30, rowGroupSize: 30 })
    hub.commit('acme/history', [{ path: 'train.parquet', data: tagged }], { branch: 'release/v1' })
    expect(
      await loadHuggingFace('acme/history', { hubUrl: hub.url, revision: 'release/v1' }).toArray(),
    ).toEqual(await readDirect([tagged]))
    const err = await loadHuggingFace('acme/history', { hubUrl: hub.url, revision: 'v9' })
      .toArray()
      .catch((e: unknown) => e)
    expect((err as SdError).code).toBe('HF_REVISION_NOT_FOUND')
    expect((err as Error).message).toContain('"v9"')
  })
})

describe('releasing everything', () => {
  async function settled(): Promise<number> {
    for (let i = 0; i < 100 && hub.inFlight > 0; i++) await new Promise((r) => setTimeout(r, 10))
    const count = hub.log.length
    await new Promise((r) => setTimeout(r, 120))
    expect(hub.log.length).toBe(count)
    return hub.inFlight
  }

  it('stops requesting and leaves nothing in flight after an early break', async () => {
    hub.latencyMs = 20
    hub.resetLog()
    let n = 0
    // 3 of the file's 8 row groups requested ahead (the default, 7, would ask for the whole file)
    for await (const _ of loadHuggingFace('acme/wide', {
      hubUrl: hub.url,
      accessToken: TOKEN,
      batchSize: 100,
      prefetchBatches: 4,
    })) {
      if (++n === 2) break
    }
    expect(await settled()).toBe(0)
    // the footer and the first row group were read, not the whole file
    expect(hub.bytesServed).toBeLessThan(wide.byteLength)
  })

  it('rejects with an AbortError and stops requesting when the signal aborts', async () => {
    hub.latencyMs = 20
    const controller = new AbortController()
    const ds = loadHuggingFace('acme/wide', {
      hubUrl: hub.url,
      accessToken: TOKEN,
      batchSize: 100,
      signal: controller.signal,
    })
    const err = await (async () => {
      for await (const _ of ds) controller.abort()
    })().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(AbortError)
    expect(await settled()).toBe(0)
  })
})
