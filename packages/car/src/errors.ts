import { type ErrorLocation, SdError, schemeOf } from '@sd/core'

/**
 * Codes of the errors @sd/car raises itself (beside core's shared ones such as `MISSING_PEER`,
 * `TYPE_MISMATCH` and `SCHEMA_MISMATCH`): the `CAR_*` codes of {@link CarError}, and
 * `SOURCE_CHANGED` (an `IoError`) for a file that changed while it was packed.
 */
export type CarErrorCode =
  | 'SOURCE_CHANGED'
  | 'CAR_HASH_MISMATCH'
  | 'CAR_MISSING_BLOCK'
  | 'CAR_TRUNCATED'
  | 'CAR_BAD_HEADER'
  | 'CAR_BAD_VARINT'
  | 'CAR_BAD_CID'
  | 'CAR_UNSUPPORTED_HASH'
  | 'CAR_UNSUPPORTED_CODEC'
  | 'CAR_UNSUPPORTED_VERSION'
  | 'CAR_BLOCK_TOO_LARGE'
  | 'CAR_BAD_BLOCK'
  | 'CAR_NOT_A_FILE'
  | 'CAR_PATH_NOT_FOUND'
  | 'CAR_BAD_MANIFEST'
  | 'CAR_NO_MANIFEST'
  | 'CAR_UNEXPECTED_BLOCK'
  | 'CAR_BAD_RESPONSE'

/** Options of {@link CarError}: a code, where it happened, and the CID it concerns. */
export interface CarErrorOptions {
  code: CarErrorCode
  /** The block's CID (as a string), when the error concerns one block. */
  cid?: string | undefined
  location?: ErrorLocation | undefined
  cause?: unknown
}

/**
 * A CAR file, a block, a DAG or a gateway answer that is not what it must be. `code` says what
 * (`CAR_HASH_MISMATCH`, `CAR_TRUNCATED`, ...), `cid` which block, and `location` where: the CAR file
 * or URL and the byte offset of the block's section in it.
 *
 * @example
 * ```ts
 * try { await car.get(cid) }
 * catch (err) { if (err instanceof CarError && err.code === 'CAR_HASH_MISMATCH') console.log(err.cid, err.location?.byte) }
 * ```
 */
export class CarError extends SdError {
  /** The CID of the block concerned, when there is one. */
  readonly cid: string | undefined
  override readonly code: CarErrorCode

  constructor(message: string, options: CarErrorOptions) {
    const withCid = options.cid === undefined ? message : `${message} (block ${options.cid})`
    super(withCid, {
      code: options.code,
      ...(options.location ? { location: options.location } : {}),
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    })
    this.code = options.code
    this.cid = options.cid
  }
}

/** `{ file }` for a path, `{ url }` for a URL (`http(s)://`, `s3://`...), with `byte` when given. */
export function sourceLocation(name: string, byte?: number): ErrorLocation {
  const where: ErrorLocation = schemeOf(name) === undefined ? { file: name } : { url: name }
  if (byte !== undefined) where.byte = byte
  return where
}
