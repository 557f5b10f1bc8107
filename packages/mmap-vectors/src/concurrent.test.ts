import { statSync } from 'node:fs'
import { setImmediate as tick } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { createMemoryMappedVectors, loadMemoryMappedVectors } from './load.js'
import { backends, eachTempDir, flat, skipBackend, value } from './test-support/fixtures.js'
import { runScript } from './test-support/npy-files.js'

const DIM = 64
const START = 100
const APPENDS = 2_000
const ROWS_PER_APPEND = 8

describe.each(backends)(
  'opening a file while another process appends to it, $backend backend',
  ({ backend }) => {
    const tmp = eachTempDir()

    it.skipIf(skipBackend(backend)).each(['npy', 'f32'])(
      'every open of a .%s file succeeds and sees whole, correct rows, never fewer than before',
      async (ext) => {
        const path = tmp.path(`live.${ext}`)
        createMemoryMappedVectors(path, {
          dimension: DIM,
          initialVectors: flat(0, START, DIM),
          backend,
        }).close()
        let ready = false
        const child = runScript(
          'appender.ts',
          [path, String(DIM), String(APPENDS), String(ROWS_PER_APPEND)],
          {
            onStdout: (chunk) => {
              if (chunk.includes('ready')) ready = true
            },
          },
        )
        let finished = false
        const done = child.done.finally(() => {
          finished = true
        })
        try {
          while (!ready && !finished) await tick()
          let opens = 0
          let midAppend = 0
          let last = START
          const failures: string[] = []
          const row = new Float32Array(DIM)
          while (!finished) {
            for (let k = 0; k < 20; k++) {
              let v: ReturnType<typeof loadMemoryMappedVectors> | undefined
              try {
                v = loadMemoryMappedVectors(path, { dimension: DIM, backend })
                opens++
                const n = v.length
                if (n < last) failures.push(`length ${n} after ${last}`)
                last = n
                // bytes past the rows this reader counts: an append was under way when it opened
                if (statSync(path).size > v.dataOffset + n * DIM * 4) midAppend++
                for (const i of [0, n >> 1, n - 1]) {
                  v.readInto(i, row)
                  if (row[0] !== value(i, 0) || row[DIM - 1] !== value(i, DIM - 1)) {
                    failures.push(`row ${i} of ${n}: ${row[0]}, ..., ${row[DIM - 1]}`)
                  }
                }
              } catch (err) {
                failures.push(`${(err as { code?: string }).code}: ${(err as Error).message}`)
              } finally {
                v?.close()
              }
            }
            await tick()
          }
          const result = await done
          expect(result.status, result.stderr).toBe(0)
          expect(JSON.parse(result.stdout.trim().split('\n').at(-1) as string)).toEqual({
            length: START + APPENDS * ROWS_PER_APPEND,
          })
          expect(failures.slice(0, 5)).toEqual([])
          // the race was really run: many opens, some of them between an append's data and its count
          expect(opens).toBeGreaterThan(200)
          if (ext === 'npy') expect(midAppend).toBeGreaterThan(0)
          const final = loadMemoryMappedVectors(path, { dimension: DIM, backend })
          expect(final.length).toBe(START + APPENDS * ROWS_PER_APPEND)
          expect(final.slice(-3)).toEqual(flat(final.length - 3, 3, DIM))
          final.close()
        } finally {
          child.kill()
          await done
        }
      },
      60_000,
    )
  },
)
