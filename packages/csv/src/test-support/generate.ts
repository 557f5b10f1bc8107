import type { CsvOptions } from '../options.js'

/** A seeded PRNG (mulberry32): the same seed gives the same cases on every machine. */
export function random(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** One generated case: the file's bytes, how to read it, and how to cut it into chunks. */
export interface GeneratedCsv {
  bytes: Uint8Array
  options: CsvOptions
  /** Chunk sizes to feed the bytes in (cycled). */
  chunks: number[]
}

const TEXT = [
  'a',
  'hello',
  'x y',
  ' lead',
  'trail ',
  'é',
  '日本語',
  '😀',
  'Ωmega',
  'naïve café',
  'true',
  'False',
  '-',
  '.',
]
const NUMBERS = [
  '0',
  '1',
  '-7',
  '+3',
  '42',
  '2147483647',
  '-2147483648',
  '2147483648',
  '9007199254740993',
  '-9223372036854775808',
  '99999999999999999999',
  '1.5',
  '-0.25',
  '.5',
  '5.',
  '1e5',
  '6.02E23',
  '1e400',
  'nan',
  '-inf',
  'Infinity',
  '000123',
  '0x1A',
  '1_000',
]

/**
 * A random CSV and options, mixing everything a CSV reader must get right: quotes (escaped,
 * holding delimiters and line breaks), empty fields, Unicode, ragged rows, CR, LF and CRLF line
 * ends (mixed, too), a byte order mark, comment lines, blank lines, numbers and booleans near
 * their types' edges, and faults (stray quotes, text after a closing quote, an unclosed quote,
 * invalid UTF-8).
 */
export function generateCsv(rand: () => number): GeneratedCsv {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T
  const chance = (p: number) => rand() < p
  const delimiter = pick([',', ',', ',', ';', '\t', '|'])
  const quoteOff = chance(0.05)
  const quote = quoteOff ? null : chance(0.85) ? '"' : "'"
  const esc = quote === null ? undefined : chance(0.8) ? quote : '\\'
  const comment = chance(0.2) ? pick(['#', '//']) : undefined
  const eol = pick(['\n', '\n', '\r\n', '\r'])
  const mixedEol = chance(0.1)
  const width = 1 + Math.floor(rand() * 5)
  const rows = Math.floor(rand() * 14)
  const faults = chance(0.35)
  // a column's flavour keeps most of its values of one kind, so types get inferred
  const flavours = Array.from({ length: width }, () =>
    pick(['int', 'float', 'bool', 'text', 'mixed', 'empty']),
  )
  const q = quote ?? ''
  const quoted = (s: string) => {
    if (quote === null) return s
    const inner = esc === quote ? s.replaceAll(q, q + q) : s.replaceAll('\\', '\\\\').replaceAll(q, `\\${q}`)
    return q + inner + q
  }
  const needsQuotes = (s: string) =>
    s.includes(delimiter) ||
    s.includes('\n') ||
    s.includes('\r') ||
    (q !== '' && s.includes(q)) ||
    (esc === '\\' && s.includes('\\')) ||
    (comment !== undefined && s.startsWith(comment))
  const value = (kind: string): string => {
    const r = rand()
    if (r < 0.08) return ''
    switch (kind) {
      case 'int':
        return chance(0.9) ? String(Math.floor(rand() * 2000) - 1000) : pick(NUMBERS)
      case 'float':
        return chance(0.85) ? (rand() * 1000 - 500).toFixed(Math.floor(rand() * 4)) : pick(NUMBERS)
      case 'bool':
        return chance(0.9) ? pick(['true', 'false', 'TRUE', 'False']) : pick(TEXT)
      case 'empty':
        return chance(0.8) ? '' : pick(TEXT)
      case 'mixed':
        return pick([
          ...TEXT,
          ...NUMBERS,
          `a${delimiter}b`,
          'line\nbreak',
          'cr\rhere',
          'crlf\r\nx',
          `say ${q}hi${q}`,
        ])
      default:
        return chance(0.8) ? pick(TEXT) : pick([`a${delimiter}b`, 'two\nlines', `q${q}q`, '\r', `${q}`, ' '])
    }
  }
  const field = (kind: string) => {
    const v = value(kind)
    if (needsQuotes(v)) return quoted(v)
    return chance(0.1) ? quoted(v) : v
  }
  const lineEnd = () => (mixedEol && chance(0.3) ? pick(['\n', '\r\n', '\r']) : eol)
  const parts: (string | Uint8Array)[] = []
  if (chance(0.1)) parts.push(new Uint8Array([0xef, 0xbb, 0xbf]))
  const header = chance(0.85)
  if (header) {
    const names = flavours.map((_, i) => (chance(0.1) ? '' : chance(0.05) ? '__proto__' : `c${i}`))
    parts.push(names.map((n) => (needsQuotes(n) ? quoted(n) : n)).join(delimiter) + lineEnd())
  }
  for (let r = 0; r < rows; r++) {
    if (comment && chance(0.08)) parts.push(`${comment} note ${delimiter} ${q}${lineEnd()}`)
    if (chance(0.05)) parts.push(lineEnd())
    let n = width
    if (faults && chance(0.1)) n = Math.max(1, width + pick([-1, 1, 2]))
    let fields = Array.from({ length: n }, (_, i) => field(flavours[i % width] as string))
    if (faults && chance(0.12)) fields = corrupt(fields, rand, q)
    const line = fields.join(delimiter)
    if (faults && chance(0.04)) {
      parts.push(line.slice(0, Math.floor(line.length / 2)))
      parts.push(new Uint8Array([pick([0xff, 0xc3, 0xe9, 0x80])]))
      parts.push(line.slice(Math.floor(line.length / 2)))
    } else parts.push(line)
    if (r < rows - 1 || chance(0.8)) parts.push(lineEnd())
  }
  if (faults && quote !== null && chance(0.05)) parts.push(`${q}never closed${lineEnd()}1${delimiter}2`)
  const bytes = concat(parts)
  const options: CsvOptions = {
    delimiter,
    quote,
    header,
    batchSize: 1 + Math.floor(rand() * 6),
    onBadRecord: chance(0.5) ? 'skip' : 'error',
    onBadValue: pick(['error', 'null', 'skip'] as const),
    cast: chance(0.9),
    emptyAs: chance(0.2) ? 'null' : 'string',
    int64: chance(0.2) ? 'number' : 'bigint',
    cacheEnabled: false,
  }
  if (esc !== undefined) options.escape = esc
  if (comment !== undefined) options.comment = comment
  if (!header && chance(0.3)) options.headerNames = flavours.map((_, i) => `h${i}`)
  if (chance(0.15)) options.columns = [header ? 'c0' : options.headerNames ? 'h0' : 'column1']
  const chunks = Array.from({ length: 3 }, () => 1 + Math.floor(rand() * (chance(0.5) ? 8 : 200)))
  return { bytes, options, chunks }
}

function corrupt(fields: string[], rand: () => number, q: string): string[] {
  const out = [...fields]
  const i = Math.floor(rand() * out.length)
  const f = out[i] as string
  if (q === '') return out
  const kind = Math.floor(rand() * 3)
  // a quote inside an unquoted field, text after a closing quote, or a quote left open
  out[i] = kind === 0 ? `ab${q}cd` : kind === 1 ? `${q}${f.replaceAll(q, '')}${q}x` : `${q}${f}`
  return out
}

function concat(parts: (string | Uint8Array)[]): Uint8Array {
  const encoded = parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p))
  return Buffer.concat(encoded)
}
