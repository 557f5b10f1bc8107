/** A short description of a parsed JSON value for error messages: `a string ("abc")`, `an array`. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (value === undefined) return 'nothing'
  if (Array.isArray(value)) return `an array (${snippet(JSON.stringify(value))})`
  switch (typeof value) {
    case 'string':
      return `a string (${snippet(JSON.stringify(value))})`
    case 'number':
      return `a number (${value})`
    case 'bigint':
      return `an integer beyond 2^53 (${value})`
    case 'boolean':
      return `a boolean (${value})`
    case 'object':
      return `an object (${snippet(JSON.stringify(value))})`
    default:
      return typeof value
  }
}

/** The first characters of `text`, quoted, for error messages. */
export function snippet(text: string, max = 60): string {
  return text.length <= max ? text : `${text.slice(0, max)}...`
}
