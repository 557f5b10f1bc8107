/**
 * @packageDocumentation
 * Files and datasets into IPFS CAR files and back: {@link packFile} (a file's exact bytes as a
 * UnixFS DAG with kubo's CIDs, plus a manifest of its batches), {@link openCar} (every block checked
 * against its CID), {@link serveGateway} (an IPFS trustless gateway), and a client that reads from
 * any trustless gateway.
 *
 * @example
 * ```ts
 * import { openCar, packFile } from '@sd/car'
 *
 * const { root, file } = await packFile('data.parquet', 'data.car')
 * const car = await openCar('data.car')
 * console.log((await car.verify()).ok, (await car.manifest()).layout) // true 'file'
 * await car.close()
 * ```
 */

export type { Block, BlockSource } from './block-source.js'
export type { StageStats } from './busy-clock.js'
export { type CarFileOptions, DEFAULT_MAX_BLOCK_BYTES } from './car-file-source.js'
export type { CarReader } from './car-reader.js'
export { CarError, type CarErrorCode, type CarErrorOptions } from './errors.js'
export type { ExportResult } from './export-file.js'
export type { GatewayOptions } from './gateway-client.js'
export { type GatewayServer, type GatewayServerOptions, serveGateway } from './gateway-server.js'
export { ipfsScheme } from './ipfs-scheme.js'
export { GATEWAY_ENV, type IpfsUrl, parseIpfsUrl } from './ipfs-url.js'
export { loadCar } from './load.js'
export { type CarDatasetStats, CarStreamingLoader } from './loader.js'
export type {
  BatchesManifest,
  ColumnStats,
  FileBatch,
  FileFormat,
  FileManifest,
  Manifest,
  StoredBatch,
} from './manifest.js'
export { type OpenCarOptions, openCar } from './open-car.js'
export type { CarLoadOptions } from './options.js'
export { type PackOptions, type PackResult, packFile } from './pack.js'
export {
  type CarToParquetOptions,
  type ParquetToCarOptions,
  type ParquetToCarResult,
  streamCarToParquet,
  streamParquetToCar,
} from './parquet-bridge.js'
export { PROFILES, type Profile, type ProfileSpec } from './profiles.js'
export type { CarReadStats } from './read-stored.js'
export type { UnixFsFile } from './unixfs-file.js'
export type { VerifyReport } from './verify.js'
export { type WriteCarOptions, type WriteCarResult, type WriteCarSource, writeCar } from './write-car.js'
