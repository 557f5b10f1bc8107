/**
 * @packageDocumentation
 * Importing this module registers the `hf://` scheme with `@sd/core`, so every loader reads
 * `hf://datasets/{org}/{name}[@{revision}]/{path}` URLs.
 *
 * @example
 * ```ts
 * import '@sd/hf/register'
 * import { loadParquet } from '@sd/parquet'
 * const ds = loadParquet('hf://datasets/org/name/data/train-00000-of-00001.parquet')
 * ```
 */
import { registerScheme } from '@sd/core'
import { hfScheme } from './hf-url.js'

registerScheme(hfScheme)
