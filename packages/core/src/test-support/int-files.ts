/**
 * A test loader that implements the unit interface: files of little-endian int32 values, each cut
 * into units of `unitRows` rows (as a Parquet file into row groups), read as a column `id`.
 */
import { open, readdir, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileSystemError } from '../errors.js'
import { StreamingDataLoader } from '../loader.js'
import type { LoaderOptions } from '../options.js'
import type { ReadContext } from '../pass.js'
import { RecordBatch } from '../record-batch.js'
import type { DataUnit } from '../shard/units.js'

/** A unit of {@link IntFilesLoader}: rows `[first, first + rows)` of one file. */
interface IntUnit extends DataUnit {
  file: string
  first: number
  rows: number
}

/** Reads every `*.i32` file of a folder (sorted), unit by unit. */
export class IntFilesLoader extends StreamingDataLoader<{ id: number }> {
  readonly #dir: string
  readonly #unitRows: number

  constructor(dir: string, options: LoaderOptions & { unitRows?: number } = {}) {
    const { unitRows, ...rest } = options
    super(rest)
    this.#dir = dir
    this.#unitRows = unitRows ?? 10_000
  }

  override async listUnits(): Promise<IntUnit[]> {
    const names = (await readdir(this.#dir)).filter((n) => n.endsWith('.i32')).sort()
    const units: IntUnit[] = []
    for (const name of names) {
      const file = join(this.#dir, name)
      const rows = (await stat(file)).size / 4
      for (let first = 0; first < rows; first += this.#unitRows) {
        const n = Math.min(this.#unitRows, rows - first)
        units.push({ id: `${name}#${first}`, file, first, rows: n, bytes: n * 4 })
      }
    }
    return units
  }

  override async *readUnit(
    unit: DataUnit,
    offset: number,
    ctx: ReadContext,
  ): AsyncGenerator<RecordBatch<{ id: number }>> {
    const { file, first, rows } = unit as IntUnit
    const handle = await open(file).catch((err: unknown) => {
      throw fileSystemError(err, file, 'open')
    })
    try {
      for (let at = offset; at < rows; at += ctx.batchSize) {
        const n = Math.min(ctx.batchSize, rows - at)
        const bytes = new Uint8Array(n * 4)
        await handle.read(bytes, 0, bytes.length, (first + at) * 4)
        ctx.countBytes(bytes.length)
        yield RecordBatch.fromColumns<{ id: number }>({ id: new Int32Array(bytes.buffer) })
      }
    } finally {
      await handle.close()
    }
  }

  protected async *readBatches(ctx: ReadContext): AsyncGenerator<RecordBatch<{ id: number }>> {
    for (const unit of await this.listUnits()) yield* this.readUnit(unit, 0, ctx)
  }
}

/**
 * Writes `total` ids (0, 1, 2...) into `files` files of uneven sizes in `dir`; returns the row
 * count of each file.
 */
export async function writeIntFiles(dir: string, total: number, files: number): Promise<number[]> {
  // sizes 1..files weighted, so files differ (and so do their last units)
  const weights = Array.from({ length: files }, (_, i) => 1 + ((i * 7) % 5))
  const sum = weights.reduce((a, b) => a + b, 0)
  const sizes = weights.map((w) => Math.floor((total * w) / sum))
  sizes[sizes.length - 1] = (sizes.at(-1) as number) + total - sizes.reduce((a, b) => a + b, 0)
  let next = 0
  for (let i = 0; i < files; i++) {
    const n = sizes[i] as number
    const ids = Int32Array.from({ length: n }, (_, j) => next + j)
    next += n
    await writeFile(join(dir, `part-${String(i).padStart(3, '0')}.i32`), new Uint8Array(ids.buffer))
  }
  return sizes
}
