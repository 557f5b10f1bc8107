import { importPeer } from '@sd/core'

/** The format packages a split's files are handed to, as their modules. */
export interface FormatPeers {
  '@sd/parquet': typeof import('@sd/parquet')
  '@sd/csv': typeof import('@sd/csv')
  '@sd/json': typeof import('@sd/json')
}

// each import is written here so that it resolves from this package, where the peers are installed
const LOADERS: { [N in keyof FormatPeers]: () => Promise<FormatPeers[N]> } = {
  '@sd/parquet': () => import('@sd/parquet'),
  '@sd/csv': () => import('@sd/csv'),
  '@sd/json': () => import('@sd/json'),
}

const READS: Record<keyof FormatPeers, string> = {
  '@sd/parquet': 'Parquet',
  '@sd/csv': 'CSV and TSV',
  '@sd/json': 'JSON Lines',
}

/**
 * Loads a format package, an optional peer: when it is not installed, an `SdError` with code
 * `MISSING_PEER` says which one to install to read `dataset`.
 */
export function formatPeer<N extends keyof FormatPeers>(name: N, dataset: string): Promise<FormatPeers[N]> {
  return importPeer<FormatPeers[N]>(
    name,
    `Reading the ${READS[name]} files of Hugging Face dataset "${dataset}"`,
    LOADERS[name],
  )
}
