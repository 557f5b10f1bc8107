import { SdError } from '@sd/core'

/** The sd format packages @sd/car reads and writes through (optional peer dependencies). */
export type PeerName = '@sd/parquet' | '@sd/csv' | '@sd/json'

/** How a peer is loaded: `import()` by default (a seam for tests that load from elsewhere). */
export type PeerImporter = (name: PeerName) => Promise<unknown>

const defaultImporter: PeerImporter = (name) => import(name)

/**
 * Loads an optional peer package. When it is not installed, throws an `SdError` with code
 * `MISSING_PEER` naming the package and what needed it; other failures pass through.
 */
export async function importPeer<T>(
  name: PeerName,
  purpose: string,
  importer: PeerImporter = defaultImporter,
): Promise<T> {
  try {
    return (await importer(name)) as T
  } catch (err) {
    if (isNotFound(err, name)) {
      throw new SdError(`${purpose} needs the optional package ${name}: install it (pnpm add ${name})`, {
        code: 'MISSING_PEER',
        cause: err,
      })
    }
    throw err
  }
}

function isNotFound(err: unknown, name: string): boolean {
  const code = (err as { code?: unknown } | null)?.code
  const message = err instanceof Error ? err.message : ''
  return (
    (code === 'ERR_MODULE_NOT_FOUND' ||
      code === 'MODULE_NOT_FOUND' ||
      /Cannot find (package|module)/.test(message)) &&
    message.includes(name)
  )
}
