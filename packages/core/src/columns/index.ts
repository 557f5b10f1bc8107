export { ColumnBase } from './base.js'
export {
  BatchBuilder,
  BOOL_KIND,
  type BuilderColumn,
  FLOAT64_KIND,
  INT32_KIND,
  INT64_KIND,
  JSON_KIND,
  STRING_KIND,
} from './batch-builder.js'
export {
  allocBitmap,
  BitmapBuilder,
  bitmapBytes,
  clearBit,
  copyBits,
  countSetBits,
  filterBitmap,
  getBit,
  packBits,
  setBit,
  sliceBitmap,
  unpackBits,
  writeBits,
} from './bitmap.js'
export { BoolColumn } from './bool.js'
export {
  type ColumnData,
  type ColumnValues,
  dictionaryToUtf8,
  fieldOf,
  isColumnData,
  nullColumn,
  reviveColumn,
} from './column-data.js'
export { concatColumnData } from './concat.js'
export { DictionaryColumn } from './dictionary.js'
export { estimateRowBytes, estimateValueBytes } from './estimate.js'
export {
  FIXED_ARRAYS,
  FixedColumn,
  type FixedColumnOptions,
  type FixedType,
  isFixedType,
  msPerUnit,
  type TimeUnit,
} from './fixed.js'
export { columnFromValues } from './from-values.js'
export { isoDate, isoTimestamp } from './iso-time.js'
export { JsonColumn } from './json.js'
export { takeColumn } from './take.js'
export { toColumnData } from './to-column.js'
export { columnToMessage } from './transfer.js'
export { Utf8Builder, Utf8Column } from './utf8.js'
export { decodeAll, decodeUtf8, isAscii } from './utf8-decode.js'
export { valueText } from './value-text.js'
export { VectorColumn } from './vector.js'
