import { stat } from 'node:fs/promises'
import type { CID } from 'multiformats/cid'
import { writeSidecar } from './car-index.js'
import type { CarFileWriter, CarWriteResult } from './car-writer.js'
import { cborCid } from './cid.js'
import { encodeManifest, type Manifest } from './manifest.js'

/**
 * Ends a CAR: writes the manifest's blocks (its pages, then its root), names the root in the
 * header, moves the CAR into place, and writes its sidecar index unless `index` is false.
 */
export async function finishCar(
  writer: CarFileWriter,
  manifest: Manifest,
  index: boolean,
): Promise<{ root: CID; written: CarWriteResult }> {
  const blocks = encodeManifest(manifest, cborCid)
  for (const block of blocks) writer.put(block.cid, block.bytes)
  const root = (blocks.at(-1) as (typeof blocks)[number]).cid
  const written = await writer.finish(root)
  if (index) {
    const info = await stat(writer.path)
    await writeSidecar(writer.path, `${info.size}:${info.mtimeMs}`, writer.places)
  }
  return { root, written }
}
