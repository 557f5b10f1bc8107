/** A value a filter compares with. */
export type FilterValue = string | number | bigint | boolean | Date | Uint8Array | null

/** The operators of one field's condition; every operator given must hold. */
export interface FilterOperators {
  /** Equal (strictly by default: `5` does not equal `5n` or `'5'`). */
  $eq?: FilterValue
  /** Not equal; a missing value is not equal to anything. */
  $ne?: FilterValue
  /** Greater than; `null` and missing values never match. */
  $gt?: FilterValue
  /** Greater than or equal; `null` and missing values never match. */
  $gte?: FilterValue
  /** Less than; `null` and missing values never match. */
  $lt?: FilterValue
  /** Less than or equal; `null` and missing values never match. */
  $lte?: FilterValue
  /** Equal to one of the values (or, for an array value, one of its elements is). */
  $in?: FilterValue[]
  /** Equal to none of the values. */
  $nin?: FilterValue[]
  /** The inner condition does not hold. */
  $not?: FilterOperators | FilterValue
}

/**
 * A Mongo-style filter over named fields (columns or metadata keys), the one filter language of sd:
 * `{ year: 2021 }`, `{ score: { $gte: 0.5, $lt: 0.9 } }`, `{ $or: [{ tag: 'a' }, { tag: { $in: ['b', 'c'] } }] }`.
 * Fields at the same level must all match; a dotted name (`'meta.lang'`) reads a nested value.
 */
export type Filter = {
  /** Every sub-filter matches. */
  $and?: Filter[]
  /** At least one sub-filter matches. */
  $or?: Filter[]
  /** No sub-filter matches. */
  $nor?: Filter[]
  [field: string]: FilterOperators | FilterValue | FilterValue[] | Filter[] | undefined
}

/** Options of {@link compileFilter}. */
export interface FilterOptions {
  /**
   * Strict equality (`===`, the default): `{ id: 5 }` does not match `5n` or `'5'`. With `false`,
   * loose equality (`==`) as hyparquet's non-strict mode.
   */
  strict?: boolean
}
