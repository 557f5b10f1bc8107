/** Data of the car suite: large incompressible files, and the 5-column benchmark rows as batches. */
import { createCipheriv } from 'node:crypto'
import { closeSync, existsSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { BoolColumn, FixedColumn, packBits, RecordBatch, Utf8Column } from '@sd/core'
import { benchColumns } from '../lib/data.ts'

const MIB = 1 << 20

/**
 * A file of `mib` MiB of pseudo-random bytes (an AES-CTR keystream: deterministic, incompressible,
 * no chunk repeats), written once and reused.
 */
export function randomFile(dir: string, mib: number): string {
  mkdirSync(dir, { recursive: true })
  const path = join(dir, `random-${mib}MiB.bin`)
  if (existsSync(path)) return path
  const tmp = `${path}.partial-${process.pid}`
  const cipher = createCipheriv('aes-128-ctr', Buffer.alloc(16, 7), Buffer.alloc(16, 0))
  const zeros = Buffer.alloc(8 * MIB)
  const fd = openSync(tmp, 'w')
  try {
    for (let done = 0; done < mib; done += 8)
      writeSync(fd, cipher.update(zeros.subarray(0, Math.min(8, mib - done) * MIB)))
  } finally {
    closeSync(fd)
  }
  renameSync(tmp, path)
  return path
}

/** The benchmark rows `[start, start + n)` (id int32, value double, label string, flag bool, score double) as a batch. */
export function benchBatch(start: number, n: number): RecordBatch {
  const c = benchColumns(start, n)
  return RecordBatch.fromData(
    [
      { name: 'id', type: 'int32', nullable: false },
      { name: 'value', type: 'float64', nullable: false },
      { name: 'label', type: 'string', nullable: false },
      { name: 'flag', type: 'bool', nullable: false },
      { name: 'score', type: 'float64', nullable: false },
    ],
    [
      new FixedColumn('int32', c.id),
      new FixedColumn('float64', c.value),
      Utf8Column.from(c.label),
      new BoolColumn(packBits(c.flag.map((f) => (f ? 1 : 0))), n),
      new FixedColumn('float64', c.score),
    ],
  )
}
