/**
 * @packageDocumentation
 * Importing this module registers the `ipfs://` scheme with `@sd/core`, so every loader reads
 * `ipfs://<cid>[/<path>]` URLs through the trustless gateway named by `SD_IPFS_GATEWAY`, every
 * block checked against its CID. To name the gateway in code, register `ipfsScheme({ gateway })`
 * instead.
 *
 * @example
 * ```ts
 * import '@sd/car/register'
 * import { loadParquet } from '@sd/parquet'
 * // SD_IPFS_GATEWAY=https://trustless-gateway.link
 * const ds = loadParquet('ipfs://bafybeie.../train.parquet')
 * ```
 */
import { registerScheme } from '@sd/core'
import { ipfsScheme } from './ipfs-scheme.js'

registerScheme(ipfsScheme())
