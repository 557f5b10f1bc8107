import { createRequire } from 'node:module'

/** The native addon's surface (see `native/mmap.cc`). */
export interface NativeMmap {
  /** Maps `length` bytes of `fd` from `offset` (a multiple of the page size), private and copy-on-write. */
  map(fd: number, offset: number, length: number): ArrayBuffer
  /** `madvise` over the pages covering `[byteOffset, byteOffset + length)` of a mapping. */
  advise(buffer: ArrayBuffer, byteOffset: number, length: number, advice: number): void
  /** Detaches the buffer and unmaps it now; false when it was not a live mapping. */
  unmap(buffer: ArrayBuffer): boolean
  /** The system page size in bytes. */
  readonly pageSize: number
  /** `madvise` advice values. */
  readonly advice: { normal: number; random: number; sequential: number; willNeed: number; dontNeed: number }
}

let loaded: { addon: NativeMmap | undefined; error: string | undefined } | undefined

function load(): { addon: NativeMmap | undefined; error: string | undefined } {
  if (process.env.SD_MMAP_DISABLE === '1') {
    return { addon: undefined, error: 'disabled by the SD_MMAP_DISABLE=1 environment variable' }
  }
  // src/ and dist/ both sit one level below the package root, next to node-gyp's build/
  const require = createRequire(import.meta.url)
  try {
    return { addon: require('../build/Release/sd_mmap.node') as NativeMmap, error: undefined }
  } catch (err) {
    const detail = err instanceof Error ? err.message.split('\n')[0] : String(err)
    return { addon: undefined, error: detail }
  }
}

/** The native mmap addon, or `undefined` when it was not built (or cannot load here). */
export function nativeMmap(): NativeMmap | undefined {
  loaded ??= load()
  return loaded.addon
}

/**
 * Whether the memory-mapping backend is available in this process (the native addon was built at
 * install and loads). When it is not, `backend: 'auto'` uses positional reads.
 */
export function isMmapAvailable(): boolean {
  return nativeMmap() !== undefined
}

/** Why the native addon is unavailable (`undefined` when it loaded). */
export function mmapUnavailableReason(): string | undefined {
  loaded ??= load()
  return loaded.error
}
