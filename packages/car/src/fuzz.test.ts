import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { isSdError, RecordBatch } from '@sd/core'
import { beforeAll, describe, expect, it } from 'vitest'
import { loadCar } from './load.js'
import { openCar } from './open-car.js'
import { packFile } from './pack.js'
import { tempDir } from './test-support/files.js'
import { pseudoRandomBytes } from './test-support/importer.js'
import { readVarint } from './varint.js'
import { writeCar } from './write-car.js'

/**
 * Seeded fuzzing: valid CARs of both layouts (a kubo-v0 file DAG, a packed CSV with its manifest,
 * a batch-layout dataset) mutated at random, with half the mutations aimed at the header and the
 * section starts (varints, CIDs). Every case ends within a time bound in the exact original data
 * or a typed `SdError`, never a crash, a hang, an untyped error or wrong data; and when `verify()`
 * calls a mutated CAR sound, reading it must give the original data. 150 cases in the normal run,
 * 5,000 with `SD_SLOW=1` or `SD_FUZZ_LONG=1`; `SD_FUZZ_SEED=<n>` replays a seed; `SD_FUZZ_REPORT=1`
 * prints the outcomes.
 */
const LONG = process.env.SD_SLOW === '1' || process.env.SD_FUZZ_LONG === '1'
const CASES = LONG ? 5000 : 150
const SEED = Number(process.env.SD_FUZZ_SEED ?? 20_261_202)
const TIME_BOUND_MS = 10_000

const dir = tempDir()

function random(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

interface Base {
  name: string
  car: Uint8Array
  /** Where the header and each section start. */
  starts: number[]
  /** The data read from the pristine CAR, as text. */
  expected: string
  /** Reads the data of the CAR at `path` as text (throws what the reads throw). */
  read(path: string): Promise<string>
}

const bases: Base[] = []

/** Offsets of the header and of each section of a well-formed CARv1. */
function sectionStarts(car: Uint8Array): number[] {
  const starts = [0]
  let at = 0
  while (at < car.length) {
    const v = readVarint(car, at)
    if (v === undefined || v === 'invalid') break
    at += v.length + v.value
    if (at < car.length) starts.push(at)
  }
  return starts
}

const text = (rows: unknown) =>
  JSON.stringify(rows, (_k, v) => (typeof v === 'bigint' ? `${v}n` : Number.isNaN(v) ? 'NaN' : v))

async function rowsOf(path: string): Promise<string> {
  const car = await openCar(path, { index: false })
  try {
    return text(await loadCar(car, { batchSize: 64 }).toArray())
  } finally {
    await car.close()
  }
}

beforeAll(async () => {
  // a file DAG with dag-pb leaves and a root node (three 256 KiB chunks and a short one)
  const bin = pseudoRandomBytes(3 * 256 * 1024 + 999, 77)
  writeFileSync(join(dir, 'f.bin'), bin)
  await packFile(join(dir, 'f.bin'), join(dir, 'f.car'), { profile: 'kubo-v0', index: false })
  const fileCar = new Uint8Array(readFileSync(join(dir, 'f.car')))
  bases.push({
    name: 'kubo-v0 file',
    car: fileCar,
    starts: sectionStarts(fileCar),
    expected: Buffer.from(bin).toString('base64'),
    async read(path) {
      const car = await openCar(path, { index: false })
      try {
        const file = await car.file()
        return Buffer.from(await file.read(0, file.byteLength)).toString('base64')
      } finally {
        await car.close()
      }
    },
  })

  // a CSV with a manifest of line-aligned batches
  const lines = ['id,name,score']
  for (let i = 0; i < 300; i++) lines.push(`${i},"n,${i % 13}",${(i * 0.25).toFixed(2)}`)
  writeFileSync(join(dir, 'c.csv'), `${lines.join('\n')}\n`)
  await packFile(join(dir, 'c.csv'), join(dir, 'c.car'), { batchRows: 40, index: false })
  const csvCar = new Uint8Array(readFileSync(join(dir, 'c.car')))
  bases.push({
    name: 'packed CSV',
    car: csvCar,
    starts: sectionStarts(csvCar),
    expected: await rowsOf(join(dir, 'c.car')),
    read: rowsOf,
  })

  // the batch layout: columns as dag-cbor blocks under a manifest with statistics
  const batches = [0, 1, 2].map((b) => {
    const ids = Int32Array.from({ length: 100 }, (_, i) => b * 100 + i)
    return RecordBatch.fromColumns({
      id: ids,
      x: Float64Array.from(ids, (i) => i / 3),
      s: Array.from(ids, (i) => (i % 9 === 0 ? null : `s${i}`)),
    })
  })
  await writeCar(batches, join(dir, 'b.car'), { index: false })
  const batchCar = new Uint8Array(readFileSync(join(dir, 'b.car')))
  bases.push({
    name: 'batch layout',
    car: batchCar,
    starts: sectionStarts(batchCar),
    expected: await rowsOf(join(dir, 'b.car')),
    read: rowsOf,
  })
}, 60_000)

function mutate(base: Base, rand: () => number): Uint8Array {
  let out = Array.from(base.car)
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)] as T
  const times = 1 + Math.floor(rand() * 3)
  for (let t = 0; t < times; t++) {
    // half the time near the header or a section start: varints, CIDs, block headers
    const at =
      rand() < 0.5
        ? Math.min(out.length, pick(base.starts) + Math.floor(rand() * 48))
        : Math.floor(rand() * (out.length + 1))
    switch (Math.floor(rand() * 7)) {
      case 0:
        if (out.length > 0) {
          const i = Math.min(at, out.length - 1)
          out[i] = (out[i] as number) ^ (1 << Math.floor(rand() * 8))
        }
        break
      case 1:
        if (out.length > 0) out[Math.min(at, out.length - 1)] = pick([0, 0x7f, 0x80, 0xff, 0x12, 0x20, 0x01])
        break
      case 2:
        out.splice(
          at,
          0,
          ...Array.from({ length: 1 + Math.floor(rand() * 4) }, () => Math.floor(rand() * 256)),
        )
        break
      case 3:
        out.splice(at, 1 + Math.floor(rand() * 16))
        break
      case 4:
        out.length = Math.min(out.length, at)
        break
      case 5: {
        // a section repeated (whole, at a section boundary: still a valid CAR), or part of one anywhere
        const k = 1 + Math.floor(rand() * (base.starts.length - 1))
        const from = base.starts[k] as number
        const whole = rand() < 0.5
        const len = whole ? (base.starts[k + 1] ?? base.car.length) - from : Math.floor(rand() * 200)
        const to = whole && t === 0 ? pick([...base.starts.slice(1), base.car.length]) : at
        out = out.slice(0, to).concat(Array.from(base.car.subarray(from, from + len)), out.slice(to))
        break
      }
      default: {
        // a varint made huge or zero
        const value = pick([
          [0x00],
          [0xff, 0xff, 0xff, 0xff, 0x0f],
          [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01],
        ])
        out.splice(at, 1, ...value)
      }
    }
  }
  return Uint8Array.from(out)
}

type Outcome = { kind: 'data' } | { kind: 'error'; code: string }

async function runCase(base: Base, path: string): Promise<Outcome> {
  let sound = false
  try {
    const car = await openCar(path, { index: false })
    try {
      const report = await car.verify()
      sound = report.ok
    } finally {
      await car.close()
    }
    const got = await base.read(path)
    if (got !== base.expected) throw new Error(`${base.name}: wrong data read from a mutated CAR`)
    return { kind: 'data' }
  } catch (err) {
    if (!isSdError(err)) throw err
    if (sound)
      throw new Error(`${base.name}: verify() said ok, then the read failed with ${err.code}: ${err.message}`)
    return { kind: 'error', code: err.code }
  }
}

describe(`seeded CAR fuzz (seed ${SEED}, ${CASES} cases)`, () => {
  it(
    'every mutated CAR gives its original data or a typed SdError, in time',
    async () => {
      const rand = random(SEED)
      const codes = new Map<string, number>()
      let data = 0
      for (let i = 0; i < CASES; i++) {
        const base = bases[i % bases.length] as Base
        const path = join(dir, `case-${i % 4}.car`)
        writeFileSync(path, mutate(base, rand))
        let timer: NodeJS.Timeout | undefined
        const bound = new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`case ${i} (${base.name}) took over ${TIME_BOUND_MS} ms`)),
            TIME_BOUND_MS,
          )
        })
        try {
          const outcome = await Promise.race([runCase(base, path), bound]).catch((err: unknown) => {
            throw new Error(`case ${i} (${base.name}, seed ${SEED}): ${(err as Error).message}`, {
              cause: err,
            })
          })
          if (outcome.kind === 'data') data++
          else codes.set(outcome.code, (codes.get(outcome.code) ?? 0) + 1)
        } finally {
          clearTimeout(timer)
        }
      }
      if (process.env.SD_FUZZ_REPORT === '1') console.log({ data, codes })
      // the mutations reach the checks: most cases fail, in several typed ways
      expect(data + [...codes.values()].reduce((a, b) => a + b, 0)).toBe(CASES)
      expect(codes.size).toBeGreaterThanOrEqual(4)
      expect(data).toBeGreaterThan(0)
      expect(codes.get('CAR_HASH_MISMATCH') ?? 0).toBeGreaterThan(0)
    },
    CASES * 2000,
  )
})
