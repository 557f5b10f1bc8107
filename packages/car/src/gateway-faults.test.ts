import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type GatewayServer, serveGateway } from './gateway-server.js'
import { openCar } from './open-car.js'
import { type PackResult, packFile } from './pack.js'
import { type Fault, faultyGateway } from './test-support/faulty-gateway.js'
import { tempDir } from './test-support/files.js'
import { pseudoRandomBytes } from './test-support/importer.js'

const dir = tempDir()
const MiB = 1 << 20
const bytes = pseudoRandomBytes(3 * MiB + 5, 51)
let packed: PackResult
let good: GatewayServer
/** Patient enough for a loaded machine; the silent gateways get short timeouts. */
const patient = { retries: 1, backoffMs: 5, timeoutMs: 10_000, idleTimeoutMs: 10_000 }
const quick = { retries: 1, backoffMs: 5, timeoutMs: 400, idleTimeoutMs: 400 }

beforeAll(async () => {
  writeFileSync(join(dir, 'f.bin'), bytes)
  packed = await packFile(join(dir, 'f.bin'), join(dir, 'f.car'))
  good = await serveGateway({ cars: [join(dir, 'f.car')] })
})
afterAll(() => good.close())

async function readThrough(fault: Fault, read: 'range' | 'verify' | 'blocks' | 'get'): Promise<unknown> {
  const bad = await faultyGateway(good.url, fault)
  const started = performance.now()
  const silent = fault === 'stall-body' || fault === 'never-answer'
  try {
    const car = await openCar(`${bad.url}/ipfs/${packed.file}`, silent ? quick : patient)
    try {
      if (read === 'range') await (await car.file()).read(MiB - 1, MiB + 1)
      else if (read === 'verify') return await car.verify()
      else if (read === 'get') await car.get(packed.file)
      else for await (const _ of car.blocks()) void _
      return 'no error'
    } finally {
      await car.close()
    }
  } catch (err) {
    return err
  } finally {
    await bad.close()
    // nothing hangs: each case ends within the client's timeouts and retries
    if (silent) expect(performance.now() - started).toBeLessThan(5000)
  }
}

describe('a gateway that misbehaves gets a typed error, never wrong bytes', () => {
  it.each([
    ['extra-block', 'range', 'CAR_UNEXPECTED_BLOCK'],
    ['extra-block', 'blocks', 'CAR_UNEXPECTED_BLOCK'],
    ['wrong-block', 'range', 'CAR_HASH_MISMATCH'],
    ['wrong-block', 'blocks', 'CAR_HASH_MISMATCH'],
    ['missing-block', 'range', 'CAR_MISSING_BLOCK'],
    ['missing-block', 'blocks', 'CAR_MISSING_BLOCK'],
    ['truncated', 'range', 'CAR_TRUNCATED'],
    ['truncated', 'blocks', 'CAR_TRUNCATED'],
    ['wrong-raw', 'get', 'CAR_HASH_MISMATCH'],
    ['html', 'range', 'CAR_BAD_RESPONSE'],
    ['stall-body', 'range', 'HTTP_IDLE_TIMEOUT'],
    ['never-answer', 'range', 'HTTP_TIMEOUT'],
  ] as const)('%s (%s): %s', async (fault, read, code) => {
    const err = await readThrough(fault, read)
    expect(err).toMatchObject({ code })
    expect((err as Error).message).toMatch(/http:\/\/127\.0\.0\.1/)
  })

  it('a gateway that does not declare dups=n may repeat blocks and add others: checked, ignored, the bytes right', async () => {
    const bad = await faultyGateway(good.url, 'undeclared-extras')
    try {
      const car = await openCar(`${bad.url}/ipfs/${packed.file}`, patient)
      const file = await car.file()
      const got = await file.read(MiB - 1, 2 * MiB + 1)
      expect(Buffer.from(got).equals(Buffer.from(bytes.subarray(MiB - 1, 2 * MiB + 1)))).toBe(true)
      expect((await car.verify()).ok).toBe(true)
      await car.close()
    } finally {
      await bad.close()
    }
  })

  it('a block sent under another codec is read as the DAG links it: what it links is still asked for', async () => {
    const report = (await readThrough('relabel-root', 'verify')) as { ok: boolean; missing: unknown[] }
    expect(report.ok).toBe(false)
    expect(report.missing.length).toBeGreaterThan(0)
    const err = await readThrough('relabel-root', 'range')
    expect(err).toMatchObject({ code: 'CAR_MISSING_BLOCK' })
  })

  it('verify reports what a gateway left out', async () => {
    const report = (await readThrough('missing-block', 'verify')) as { ok: boolean; missing: unknown[] }
    expect(report.ok).toBe(false)
    expect(report.missing).toHaveLength(1)
  })
})
