import { invalidOption } from '../../option-validators.js'
import { type HttpOptions, pickHttpOptions, resolveHttpOptions } from '../http-options.js'
import type { S3Options } from '../s3-config.js'

/**
 * How a loader reaches remote sources: core's HTTP options for `http(s)` URLs and object stores
 * (`fetch`, `headers`, `retries`, `backoffMs`, `timeoutMs`, `idleTimeoutMs`, `minBytesPerSecond`,
 * `maxRedirects`), and `s3` for `s3://` objects and prefixes.
 */
export interface RemoteOptions extends HttpOptions {
  /**
   * Credentials, region and endpoint for `s3://` sources (objects, or prefixes ending in `/`);
   * each defaults to its AWS environment variable.
   */
  s3?: S3Options
}

/** {@link RemoteOptions} validated, split into what `openTextSource` and `listFolder` take. */
export interface ResolvedRemoteOptions {
  /** The HTTP options given (undefined keys left out). */
  http: HttpOptions
  /** The S3 options given. */
  s3: S3Options | undefined
}

const S3_STRINGS = ['accessKeyId', 'secretAccessKey', 'sessionToken', 'region', 'endpoint'] as const

/**
 * Validates the remote options among a loader's `options` now rather than at the first request (a
 * `ValidationError` with code `INVALID_OPTION` names the bad one) and picks them out.
 */
export function resolveRemoteOptions(options: RemoteOptions): ResolvedRemoteOptions {
  resolveHttpOptions(options)
  const { s3 } = options
  if (s3 !== undefined) {
    if (typeof s3 !== 'object' || s3 === null || Array.isArray(s3))
      throw invalidOption(
        `s3 must be an object such as { endpoint, region, accessKeyId, secretAccessKey }, got ${JSON.stringify(s3)}`,
      )
    for (const key of S3_STRINGS) {
      const value = s3[key]
      if (value !== undefined && typeof value !== 'string')
        throw invalidOption(`s3.${key} must be a string, got ${typeof value}`)
    }
    if (s3.forcePathStyle !== undefined && typeof s3.forcePathStyle !== 'boolean')
      throw invalidOption(`s3.forcePathStyle must be a boolean, got ${typeof s3.forcePathStyle}`)
  }
  return { http: pickHttpOptions(options), s3 }
}
