/** The logical type of a column. */
export type DataType =
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  | 'float32'
  | 'float64'
  | 'bool'
  | 'string'
  | 'binary'
  | 'timestamp'
  | 'date'
  | 'json'
  | 'vector'
  | 'null'

/** One column's name and type. */
export interface Field {
  /** Column name. */
  name: string
  /** Logical type. */
  type: DataType
  /** Whether the column may hold `null`. */
  nullable: boolean
  /** For `vector` columns: the number of components per row. */
  dimension?: number
  /** For `timestamp` columns: the unit of the stored integers (`'ms'` when absent). */
  unit?: 's' | 'ms' | 'us' | 'ns'
  /** For `timestamp` columns: the IANA time zone, when the instants carry one. */
  timezone?: string
}

/** A typed array a fixed-width column is stored in. */
export type TypedColumn =
  | Float64Array
  | Float32Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
