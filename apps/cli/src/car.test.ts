import { copyFileSync, readFileSync, truncateSync, writeFileSync } from 'node:fs'
import { packFile } from '@sd/car'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { duckdb, EVENTS_SQL, tempDir } from './test-support/fixtures.js'
import { finished, sd, start } from './test-support/run.js'

const tmp = tempDir()
afterAll(() => tmp.remove())
const parquet = tmp.path('events.parquet')
const car = tmp.path('events.car')

beforeAll(async () => {
  await duckdb(EVENTS_SQL(20_000), `COPY events TO '${parquet}' (FORMAT parquet, ROW_GROUP_SIZE 5000)`)
  // the CAR is only what verify and serve read here: packed in this process (convert has its own tests)
  await packFile(parquet, car, { profile: 'kubo-cidv1' })
})

describe.concurrent('sd verify', () => {
  it('passes a whole CAR with exit status 0', async () => {
    const run = await sd(['verify', car])
    expect(run.status, run.stderr).toBe(0)
    expect(run.stdout).toMatch(/^source +.*events\.car\nresult +ok\nroots +bafy\w+\nblocks +[\d,]+ \(/)
    expect(run.stderr).toBe('')
  })

  it('fails a CAR with a flipped byte: exit status 1, the bad block listed, one error line', async () => {
    const bad = tmp.path('flipped.car')
    const bytes = readFileSync(car)
    const middle = Math.floor(bytes.length / 2)
    bytes[middle] = (bytes[middle] as number) ^ 0xff
    writeFileSync(bad, bytes)
    const run = await sd(['verify', bad])
    expect(run.status).toBe(1)
    expect(run.stdout).toMatch(/result +FAILED/)
    expect(run.stdout).toMatch(
      / {2}CAR_HASH_MISMATCH: The block's bytes do not hash to its CID \(block \w+\)/,
    )
    const lines = run.stderr.trimEnd().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^sd: CAR_HASH_MISMATCH: 1 bad block, 1 missing; first: .*flipped\.car/)
  })

  it('fails a truncated CAR with exit status 1', async () => {
    const cut = tmp.path('cut.car')
    copyFileSync(car, cut)
    truncateSync(cut, Math.floor(readFileSync(car).length * 0.7))
    const run = await sd(['verify', cut, '--json'])
    expect(run.status).toBe(1)
    expect(run.stderr).toMatch(/^sd: CAR_TRUNCATED: [^\n]*cut\.car[^\n]*\n$/)
  })
})

describe('sd serve', () => {
  it('serves the CARs, answers a gateway request, and stops cleanly on SIGTERM', async () => {
    const child = start(['serve', car, '--port', '0'])
    const done = finished(child, 60_000)
    let out = ''
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString()
        const m = /serving 1 CAR at (http:\/\/127\.0\.0\.1:\d+)\n {2}\S+\/ipfs\/(\w+)\n/.exec(out)
        if (m) resolve(`${m[1]}/ipfs/${m[2]}`)
      })
      child.on('close', () => reject(new Error(`sd serve ended: ${out}`)))
    })
    const root = CID.parse(url.split('/ipfs/')[1] as string)
    const raw = await fetch(`${url}?format=raw`)
    expect(raw.status).toBe(200)
    const block = new Uint8Array(await raw.arrayBuffer())
    // the block hashes to the CID asked for
    expect(CID.createV1(root.code, await sha256.digest(block)).equals(root)).toBe(true)
    const rows = await sd(['head', url, '-n', '2', '--columns', 'id', '--json'])
    expect(JSON.parse(rows.stdout)).toEqual([{ id: 0 }, { id: 1 }])
    child.kill('SIGTERM')
    const ended = await done
    expect(ended.status).toBe(0)
    expect(ended.stdout.trimEnd().split('\n').at(-1)).toBe('stopped')
  })
})
