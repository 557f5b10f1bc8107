/**
 * The benchmark datasets: the same deterministic rows as Parquet, CSV and NDJSON, and float32
 * vector files. Files are written once per size and reused (named by their parameters).
 */
import { closeSync, existsSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileWriter, ParquetWriter, schemaFromColumnData } from 'hyparquet-writer'

/** The five columns of a benchmark row. */
export interface BenchRow {
  id: number
  value: number
  label: string
  flag: boolean
  score: number
}

/** Default folder for generated data. */
export function defaultDataDir(): string {
  return join(tmpdir(), 'sd-bench-data')
}

/** A deterministic pseudo-random float in [0, 1) for row `i` (no state, so any range is reproducible). */
export function noise(i: number): number {
  let x = (i + 1) * 2654435761
  x = (x ^ (x >>> 16)) >>> 0
  x = Math.imul(x, 0x45d9f3b) >>> 0
  x = (x ^ (x >>> 16)) >>> 0
  return x / 4294967296
}

/** Columns of rows `[start, start + n)`: id int32, value double, label string, flag bool, score double. */
export function benchColumns(start: number, n: number) {
  const id = new Int32Array(n)
  const value = new Float64Array(n)
  const label: string[] = new Array(n)
  const flag: boolean[] = new Array(n)
  const score = new Float64Array(n)
  for (let k = 0; k < n; k++) {
    const i = start + k
    id[k] = i
    value[k] = i * 0.5
    label[k] = `label-${i % 1000}`
    flag[k] = i % 3 === 0
    score[k] = Math.round(noise(i) * 1e6) / 1e3
  }
  return { id, value, label, flag, score }
}

const CHUNK = 100_000

/** Writes `path` atomically: `write` fills a temporary file that is renamed when complete. */
export function writeOnce(
  path: string,
  write: (tmp: string) => void | Promise<void>,
): Promise<string> | string {
  if (existsSync(path)) return path
  const tmp = `${path}.partial-${process.pid}`
  const done = write(tmp)
  if (done instanceof Promise) {
    return done.then(() => {
      renameSync(tmp, path)
      return path
    })
  }
  renameSync(tmp, path)
  return path
}

/**
 * A Parquet file of `rows` benchmark rows (ids from `first`) in row groups of `rowGroupSize`
 * (SNAPPY, with statistics).
 */
export async function parquetFile(
  dir: string,
  rows: number,
  rowGroupSize = Math.ceil(rows / 11),
  first = 0,
): Promise<string> {
  mkdirSync(dir, { recursive: true })
  const from = first === 0 ? '' : `-from${first}`
  return writeOnce(join(dir, `bench-${rows}-rg${rowGroupSize}${from}.parquet`), async (tmp) => {
    const one = benchColumns(0, 1)
    const schema = schemaFromColumnData({
      columnData: [
        { name: 'id', data: one.id, type: 'INT32', nullable: false },
        { name: 'value', data: one.value, type: 'DOUBLE', nullable: false },
        { name: 'label', data: one.label, type: 'STRING', nullable: false },
        { name: 'flag', data: one.flag, type: 'BOOLEAN', nullable: false },
        { name: 'score', data: one.score, type: 'DOUBLE', nullable: false },
      ],
    })
    const writer = new ParquetWriter({ writer: fileWriter(tmp), schema })
    for (let start = 0; start < rows; start += rowGroupSize) {
      const c = benchColumns(first + start, Math.min(rowGroupSize, rows - start))
      await writer.write({
        rowGroupSize,
        columnData: [
          { name: 'id', data: c.id, type: 'INT32', nullable: false },
          { name: 'value', data: c.value, type: 'DOUBLE', nullable: false },
          { name: 'label', data: c.label, type: 'STRING', nullable: false },
          { name: 'flag', data: c.flag, type: 'BOOLEAN', nullable: false },
          { name: 'score', data: c.score, type: 'DOUBLE', nullable: false },
        ],
      })
    }
    await writer.finish()
  })
}

function writeText(
  path: string,
  rows: number,
  header: string | undefined,
  line: (c: ReturnType<typeof benchColumns>, k: number) => string,
) {
  const fd = openSync(path, 'w')
  try {
    if (header) writeSync(fd, `${header}\n`)
    for (let start = 0; start < rows; start += CHUNK) {
      const n = Math.min(CHUNK, rows - start)
      const c = benchColumns(start, n)
      const parts: string[] = new Array(n)
      for (let k = 0; k < n; k++) parts[k] = line(c, k)
      writeSync(fd, `${parts.join('\n')}\n`)
    }
  } finally {
    closeSync(fd)
  }
}

/** A CSV file (`id,value,label,flag,score` header, LF line ends) of `rows` benchmark rows. */
export function csvFile(dir: string, rows: number): string {
  mkdirSync(dir, { recursive: true })
  return writeOnce(join(dir, `bench-${rows}.csv`), (tmp) =>
    writeText(
      tmp,
      rows,
      'id,value,label,flag,score',
      (c, k) => `${c.id[k]},${c.value[k]},${c.label[k]},${c.flag[k]},${c.score[k]}`,
    ),
  ) as string
}

/** An NDJSON file of `rows` benchmark rows, one object per line. */
export function ndjsonFile(dir: string, rows: number): string {
  mkdirSync(dir, { recursive: true })
  return writeOnce(join(dir, `bench-${rows}.ndjson`), (tmp) =>
    writeText(
      tmp,
      rows,
      undefined,
      (c, k) =>
        `{"id":${c.id[k]},"value":${c.value[k]},"label":"${c.label[k]}","flag":${c.flag[k]},"score":${c.score[k]}}`,
    ),
  ) as string
}

/** A raw little-endian float32 vector file of `count` x `dimension` (no header). */
export function vectorFile(dir: string, count: number, dimension: number): string {
  mkdirSync(dir, { recursive: true })
  return writeOnce(join(dir, `vectors-${count}x${dimension}.f32`), (tmp) => {
    const fd = openSync(tmp, 'w')
    try {
      const rowsPerChunk = Math.max(1, Math.floor((8 << 20) / (dimension * 4)))
      for (let start = 0; start < count; start += rowsPerChunk) {
        const n = Math.min(rowsPerChunk, count - start)
        const chunk = new Float32Array(n * dimension)
        for (let k = 0; k < chunk.length; k++) chunk[k] = noise(start * dimension + k) * 2 - 1
        writeSync(fd, new Uint8Array(chunk.buffer))
      }
    } finally {
      closeSync(fd)
    }
  }) as string
}
