import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { RecordBatch } from '../../record-batch.js'
import { type TextEncoding, writeTextBatches } from './write-text.js'

const dir = mkdtempSync(join(tmpdir(), 'sd-write-text-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const lines: TextEncoding = {
  head: (schema) => `${schema.map((f) => f.name).join('|')}\n`,
  *rows(batch, before) {
    for (const [i, row] of batch.rows().entries()) yield `${before + i}:${JSON.stringify(row)}\n`
  },
  tail: (_schema, n) => `# ${n}\n`,
}

const batch = (start: number, n: number) =>
  RecordBatch.fromColumns({ id: Int32Array.from({ length: n }, (_, i) => start + i) })

describe('writeTextBatches', () => {
  it('writes head, every batch and tail, numbering rows across batches', async () => {
    const path = join(dir, 'a.txt')
    const result = await writeTextBatches([batch(0, 2), batch(2, 0), batch(2, 1)], path, lines)
    expect(readFileSync(path, 'utf8')).toBe('id\n0:{"id":0}\n1:{"id":1}\n2:{"id":2}\n# 3\n')
    expect(result).toEqual({ path, numRows: 3, fileSizeBytes: readFileSync(path).length })
  })

  it("takes a batchless source's schema for the head", async () => {
    const path = join(dir, 'empty.txt')
    const empty = {
      async *[Symbol.asyncIterator]() {},
      schema: async () => [{ name: 'id', type: 'int32' as const, nullable: false }],
    }
    await writeTextBatches(empty, path, lines)
    expect(readFileSync(path, 'utf8')).toBe('id\n# 0\n')
  })

  it('refuses a batch with other columns, naming it, and leaves the old file', async () => {
    const path = join(dir, 'mismatch.txt')
    writeFileSync(path, 'old')
    const other = RecordBatch.fromColumns({ id: ['a'] })
    await expect(writeTextBatches([batch(0, 1), other], path, lines)).rejects.toMatchObject({
      code: 'SCHEMA_MISMATCH',
      location: { file: path, batch: 1 },
    })
    expect(readFileSync(path, 'utf8')).toBe('old')
  })

  it('stops on abort without leaving a file', async () => {
    const path = join(dir, 'aborted.txt')
    const controller = new AbortController()
    async function* slow() {
      yield batch(0, 1)
      controller.abort()
      yield batch(1, 1)
    }
    await expect(writeTextBatches(slow(), path, lines, controller.signal)).rejects.toMatchObject({
      code: 'ABORTED',
    })
    expect(existsSync(path)).toBe(false)
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([])
  })
})
