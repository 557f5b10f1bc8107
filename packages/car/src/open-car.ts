import { isHttpUrl } from '@sd/core'
import { type CarFileKnown, type CarFileOptions, CarFileSource } from './car-file-source.js'
import { type CarReader, SourceCarReader } from './car-reader.js'
import { type GatewayOptions, GatewaySource } from './gateway-client.js'
import { parseGatewayUrl } from './gateway-url.js'
import { openIpfsDag } from './ipfs-scheme.js'
import { isIpfsUrl } from './ipfs-url.js'

/** Options of {@link openCar}: those of a CAR file (local or remote) and of a gateway. */
export interface OpenCarOptions extends CarFileOptions, GatewayOptions {}

/**
 * Opens a CAR: a path; a URL of a CAR file, read with range requests (`http(s)://`,
 * `s3://bucket/key` signed with the credentials of the `s3` option or the AWS environment
 * variables, or a scheme registered with core such as `hf://`); a trustless gateway URL
 * `http(s)://host/ipfs/<cid>` (blocks fetched as the reads need them, each checked against its
 * CID); or `ipfs://<cid>[/<path>]` read through the gateway of the `gateway` option or
 * `SD_IPFS_GATEWAY` (the path followed through UnixFS directories and dag-cbor maps). A local CAR
 * is indexed from its sidecar (`<car>.idx`) when there is a valid one, else by a scan of its
 * section headers; a remote CAR by a scan.
 *
 * @example
 * ```ts
 * const car = await openCar('data.car')
 * console.log(car.roots.map(String), (await car.manifest()).layout)
 * await car.close()
 * ```
 */
export function openCar(source: string, options: OpenCarOptions = {}): Promise<CarReader> {
  return openCarAgain(source, options, undefined)
}

/** What earlier openings of one CAR file learned (filled in by {@link openCarAgain}). */
export interface CarOpenMemo {
  file?: CarFileKnown
}

/**
 * {@link openCar}, reusing the layout and index `memo` holds from an earlier opening of the same
 * CAR file (when the file is still that version), and keeping them there for the next one: a
 * loader opens its CAR for every pass and every unit, and a remote CAR is scanned only once.
 */
export async function openCarAgain(
  source: string,
  options: OpenCarOptions,
  memo: CarOpenMemo | undefined,
): Promise<CarReader> {
  if (isIpfsUrl(source)) return new SourceCarReader(source, (await openIpfsDag(source, options)).source)
  const gateway = isHttpUrl(source) ? parseGatewayUrl(source) : undefined
  if (gateway) return new SourceCarReader(source, await GatewaySource.open(gateway, options))
  const file = await CarFileSource.open(source, options, memo?.file)
  if (memo) memo.file = file.known
  return new SourceCarReader(source, file)
}
