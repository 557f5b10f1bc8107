import type { HubFiles } from './hub-files.js'
import type { HuggingFaceFilter } from './options.js'
import type { SplitFile } from './resolve.js'

/** What one pass over a split's files reads, whatever their format. */
export interface SplitPass {
  dataset: string
  files: SplitFile[]
  hubFiles: HubFiles
  columns: string[] | undefined
  filters: HuggingFaceFilter | undefined
  readAhead: number
  readAheadBytes: number
}
