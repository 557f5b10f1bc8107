import { ValidationError } from '../errors.js'

/** Error codes of the filter language. */
export type FilterErrorCode = 'INVALID_FILTER'

/** A filter that is not well formed; `path` says where inside it (`$and[1].score.$in`). */
export function invalidFilter(path: string, detail: string): ValidationError {
  return new ValidationError(`Invalid filter at ${path || 'the top level'}: ${detail}`, {
    code: 'INVALID_FILTER',
  })
}
