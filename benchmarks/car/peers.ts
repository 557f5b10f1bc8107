/**
 * The peers of the car suite, each in its fastest form:
 * - ipfs-car packing a file as its CLI does (`createFileEncoderStream` over `openAsBlob`, through
 *   `CAREncoderStream` into a file stream, then `CarWriter.updateRootsInFile`);
 * - @ipld/car's `CarBlockIterator` over a file stream (1 MiB reads) with every block's sha2-256
 *   checked against its CID (Node's native hash);
 * - the original system's batch export: one dag-cbor block per row, written with `CarWriter`.
 */
import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream, openAsBlob } from 'node:fs'
import { open } from 'node:fs/promises'
import { Writable } from 'node:stream'
import { CarBlockIterator, CarWriter } from '@ipld/car'
import * as dagCbor from '@ipld/dag-cbor'
import { CAREncoderStream, createFileEncoderStream } from 'ipfs-car'
import { CID } from 'multiformats/cid'
import { create as createDigest } from 'multiformats/hashes/digest'

const PLACEHOLDER = CID.parse('bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi')

/** Packs `file` into `car` as `ipfs-car pack file --output car` does; returns the root CID. */
export async function ipfsCarPack(file: string, car: string): Promise<string> {
  const blob = await openAsBlob(file)
  const encoder = new CAREncoderStream([PLACEHOLDER])
  await createFileEncoderStream(blob)
    .pipeThrough(encoder)
    .pipeTo(Writable.toWeb(createWriteStream(car)))
  const root = encoder.finalBlock?.cid
  if (!root) throw new Error('ipfs-car made no blocks')
  const fd = await open(car, 'r+')
  try {
    await CarWriter.updateRootsInFile(fd as never, [root as never])
  } finally {
    await fd.close()
  }
  return root.toString()
}

/** Reads every block of `car` with `CarBlockIterator` and checks its sha2-256; returns the bytes hashed. */
export async function iteratorVerify(car: string): Promise<number> {
  const iterator = await CarBlockIterator.fromIterable(createReadStream(car, { highWaterMark: 1 << 20 }))
  let bytes = 0
  for await (const { cid, bytes: block } of iterator) {
    const digest = createHash('sha256').update(block).digest()
    if (!digest.equals(cid.multihash.digest)) throw new Error(`block ${cid} does not match its CID`)
    bytes += block.length
  }
  return bytes
}

/** The original system's export: each row its own dag-cbor block (CIDv1, sha2-256) in a CAR. */
export async function rowBlocksCar(rows: readonly Record<string, unknown>[], car: string): Promise<number> {
  const { writer, out } = CarWriter.create([PLACEHOLDER])
  const sink = Writable.toWeb(createWriteStream(car))
  const piping = (async () => {
    const w = sink.getWriter()
    for await (const chunk of out) await w.write(chunk)
    await w.close()
  })()
  for (const row of rows) {
    const bytes = dagCbor.encode(row)
    const cid = CID.createV1(dagCbor.code, createDigest(0x12, createHash('sha256').update(bytes).digest()))
    await writer.put({ cid, bytes })
  }
  await writer.close()
  await piping
  return rows.length
}
