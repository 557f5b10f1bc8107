import { SdError } from './errors.js'

/**
 * Imports an optional peer package (another sd format package, apache-arrow...) when it is first
 * needed. When it is not installed, throws an {@link SdError} with code `MISSING_PEER` naming the
 * package to install and what needed it; any other failure while loading it passes through.
 *
 * @example
 * ```ts
 * const { loadParquet } = await importPeer<typeof import('@sd/parquet')>('@sd/parquet', 'reading Parquet inside a CAR')
 * ```
 */
export async function importPeer<T>(
  name: string,
  neededFor: string,
  load: () => Promise<unknown> = () => import(name),
): Promise<T> {
  try {
    return (await load()) as T
  } catch (err) {
    if (isMissingModule(err, name)) {
      throw new SdError(
        `${neededFor} needs the package ${name}, which is not installed: run \`npm install ${name}\``,
        {
          code: 'MISSING_PEER',
          cause: err,
        },
      )
    }
    throw err
  }
}

/** True when `err` says that `name` itself (not one of its own imports) could not be found. */
function isMissingModule(err: unknown, name: string): boolean {
  const code = (err as { code?: unknown } | null)?.code
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false
  const message = err instanceof Error ? err.message : ''
  return message.includes(`'${name}'`) || message.includes(`"${name}"`)
}
