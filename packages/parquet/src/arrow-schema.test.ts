import { writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { isSdError } from '@sd/core'
import {
  Field as ArrowField,
  FixedSizeList,
  Float32,
  Float64,
  List,
  Table,
  tableToIPC,
  Utf8,
  vectorFromArray,
} from 'apache-arrow'
import type { FileMetaData } from 'hyparquet'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ARROW_SCHEMA_KEY, arrowVectorDimensions } from './arrow-schema.js'
import { loadParquet } from './load.js'
import { rewriteFooter } from './test-support/corrupt.js'
import { tempDir } from './test-support/fixtures.js'

// parquet-wasm's Node build is CommonJS
const parquetWasm = createRequire(import.meta.url)('parquet-wasm/node') as typeof import('parquet-wasm/node')

let dir: string
let cleanup: () => Promise<void>
beforeAll(async () => {
  ;({ dir, cleanup } = await tempDir())
})
afterAll(() => cleanup())

/** The first message of an Arrow IPC stream (its schema), as Arrow writers keep it in a footer. */
function schemaMessage(dimension = 3): Uint8Array {
  const emb = Array.from({ length: dimension }, (_, i) => i)
  const fields = {
    emb: vectorFromArray([emb], new FixedSizeList(dimension, new ArrowField('item', new Float32(), true))),
    wide: vectorFromArray([[1, 2]], new FixedSizeList(2, new ArrowField('item', new Float64(), true))),
    tags: vectorFromArray([[1]], new List(new ArrowField('item', new Float32(), true))),
    name: vectorFromArray(['a'], new Utf8()),
  }
  const ipc = tableToIPC(new Table(fields), 'stream')
  const length = new DataView(ipc.buffer, ipc.byteOffset).getInt32(4, true)
  return ipc.subarray(0, 8 + length)
}

const footer = (bytes: Uint8Array | string): FileMetaData =>
  ({
    key_value_metadata: [
      {
        key: ARROW_SCHEMA_KEY,
        value: typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('base64'),
      },
    ],
  }) as unknown as FileMetaData

describe('the Arrow schema of a footer', () => {
  it('names the FixedSizeList<Float32> columns and their sizes, nothing else', () => {
    expect([...arrowVectorDimensions(footer(schemaMessage()))]).toEqual([['emb', 3]])
    expect(arrowVectorDimensions({ key_value_metadata: [] } as unknown as FileMetaData).size).toBe(0)
  })

  it('ignores a schema it cannot follow, whatever its bytes', () => {
    const good = schemaMessage()
    expect(arrowVectorDimensions(footer('not base64 at all!')).size).toBe(0)
    for (let end = 0; end < good.length; end++) {
      expect(() => arrowVectorDimensions(footer(good.subarray(0, end)))).not.toThrow()
    }
    for (let at = 0; at < good.length; at++) {
      for (const value of [0, 0xff, (good[at] as number) ^ 0x10]) {
        const bad = good.slice()
        bad[at] = value
        const found = arrowVectorDimensions(footer(bad))
        // whatever a damaged schema still says, it is only ever a name with a positive size
        for (const [name, size] of found) {
          expect(typeof name).toBe('string')
          expect(Number.isInteger(size) && size > 0).toBe(true)
        }
      }
    }
  })

  it('a file whose lists do not have the size its Arrow schema says is a typed error', async () => {
    const emb = vectorFromArray(
      [[1, 2, 3], null, [4, 5, 6]],
      new FixedSizeList(3, new ArrowField('item', new Float32(), true)),
    )
    const table = parquetWasm.Table.fromIPCStream(tableToIPC(new Table({ emb }), 'stream'))
    const bytes = parquetWasm.writeParquet(table)
    const good = join(dir, 'sized.parquet')
    await writeFile(good, bytes)
    const read = await loadParquet(good).collect()
    expect(read.field('emb')).toMatchObject({ type: 'vector', dimension: 3 })
    expect([...read.column('emb')]).toEqual([1, 2, 3, 0, 0, 0, 4, 5, 6])
    expect(read.data('emb').isNull(1)).toBe(true)

    const bad = join(dir, 'missized.parquet')
    const claim = Buffer.from(schemaMessage(4)).toString('base64')
    await writeFile(
      bad,
      rewriteFooter(bytes, (m) => {
        m.key_value_metadata = [{ key: ARROW_SCHEMA_KEY, value: claim }]
      }),
    )
    const err = await loadParquet(bad)
      .collect()
      .catch((e: unknown) => e)
    expect(err).toMatchObject({
      name: expect.stringMatching(/Error$/),
      location: { file: bad, column: 'emb' },
    })
    expect(isSdError(err)).toBe(true)
  })
})
