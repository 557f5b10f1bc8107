/**
 * @packageDocumentation
 * Zero-copy interop between sd batches and Apache Arrow (the `apache-arrow` package, an optional
 * peer dependency of `@sd/core`: install it to use this entry point).
 *
 * @example
 * ```ts
 * import { Table, tableFromIPC, tableToIPC } from 'apache-arrow'
 * import { fromArrow, toArrow } from '@sd/core/arrow'
 *
 * const ipc = tableToIPC(new Table(toArrow(batch)))   // sd -> Arrow IPC
 * const back = fromArrow(tableFromIPC(ipc))             // Arrow -> sd, buffers shared
 * ```
 */

export { fromArrow, fromArrowBatches } from './arrow/from-arrow.js'
export { SD_TYPE_KEY, toArrow, toArrowTable } from './arrow/to-arrow.js'
