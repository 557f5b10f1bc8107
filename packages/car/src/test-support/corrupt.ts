import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { CID } from 'multiformats/cid'
import { CarFileSource } from '../car-file-source.js'

/** Writes into `dir` a copy of `car` with one byte flipped at `offset` (no sidecar); returns its path. */
export function flipped(car: string, offset: number, dir: string, name: string): string {
  const copy = Buffer.from(readFileSync(car))
  copy[offset] = (copy[offset] as number) ^ 0x40
  const path = join(dir, name)
  writeFileSync(path, copy)
  return path
}

/** Where the block `cid` starts in `car` (found by a scan, not a sidecar). */
export async function blockOffset(car: string, cid: CID): Promise<number> {
  const source = await CarFileSource.open(car, { index: false })
  try {
    const place = source.place(cid)
    if (!place) throw new Error(`no ${cid} in ${car}`)
    return place.blockOffset
  } finally {
    await source.close()
  }
}
