import { CarWriter } from '@ipld/car'
import type { CID } from 'multiformats/cid'

/** A CARv1 written by @ipld/car's `CarWriter` (an independent writer) holding `blocks` in order. */
export async function carBytes(
  blocks: readonly { cid: CID; bytes: Uint8Array }[],
  roots: CID[],
): Promise<Uint8Array> {
  const { writer, out } = CarWriter.create(roots)
  const chunks: Uint8Array[] = []
  const collecting = (async () => {
    for await (const chunk of out) chunks.push(chunk)
  })()
  for (const block of blocks) await writer.put(block)
  await writer.close()
  await collecting
  return Buffer.concat(chunks)
}
