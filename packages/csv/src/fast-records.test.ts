import { Readable } from 'node:stream'
import type { SdError } from '@sd/core'
import { describe, expect, it } from 'vitest'
import { loadCsv } from './load.js'
import type { CsvOptions } from './options.js'

/**
 * The typed stage's fast path reads a buffer only up to its last line break and parses numbers and
 * booleans as it scans them: cut at every byte, a file must give what csv-parse gives for it whole.
 * The files put numbers, signs, dots, booleans and quotes right before delimiters, line breaks and
 * chunk ends, and a quoted line break right after a chunk's start; the chunks are views of one
 * buffer (a worker's slices of its range) or each its own (reads).
 */
const HEADER = 'i,i64,f,b,s,n'
const ROWS = [
  '1,9007199254740,1.5,true,a,-3',
  '-2,-123456789012345,-0.25,false,,+4',
  '3,1234567890123456,5.,TRUE,"q",7',
  '+4,-0,.5,false,x"y,8',
  '5,6,1e5,true",z,9',
  '6,7,12345678.9012345,False,w,-',
  '7,8,-,true,v,10',
  '8,9,nan,false,u,11',
  '9,10,1.25,true,"two\nlines, quoted",12',
]

/** The text read in chunks cut at `cuts`: views of one buffer, or (`copies`) each its own. */
async function outcome(text: string, cuts: number[], options: CsvOptions, copies = false) {
  const bytes = Buffer.from(text)
  const chunks: Uint8Array[] = []
  let from = 0
  for (const cut of [...cuts, bytes.length]) {
    if (cut > from) chunks.push(copies ? bytes.slice(from, cut) : bytes.subarray(from, cut))
    from = Math.max(from, cut)
  }
  const skipped: unknown[] = []
  const rows: unknown[] = []
  let error: unknown
  try {
    for await (const batch of loadCsv(Readable.from(chunks), {
      ...options,
      onSkip: (e) => skipped.push(e.location),
    }))
      rows.push({ schema: batch.schema, rows: batch.rows() })
  } catch (err) {
    error = { code: (err as SdError).code, location: (err as SdError).location }
  }
  return { rows, skipped, error }
}

describe('the fast path of the typed stage', () => {
  const cases: { name: string; text: string; options: CsvOptions }[] = [
    {
      name: 'LF, typed by inference from the first rows, bad records skipped',
      text: `${HEADER}\n${ROWS.slice(0, 2).join('\n')}\n${ROWS.join('\n')}\n${ROWS[0]}`,
      options: { batchSize: 3, onBadRecord: 'skip', onBadValue: 'null' },
    },
    {
      name: 'CRLF, column types given, int64 as numbers',
      text: `${HEADER}\r\n${ROWS.join('\r\n')}\r\n`,
      options: {
        batchSize: 2,
        onBadRecord: 'skip',
        onBadValue: 'null',
        int64: 'number',
        columnTypes: { i: 'int32', i64: 'int64', f: 'float64', b: 'bool', s: 'string', n: 'int32' },
      },
    },
    {
      name: 'CR, a projection, errors',
      text: `${HEADER}\r${ROWS.slice(0, 2).join('\r')}\r${ROWS.join('\r')}\r`,
      options: { batchSize: 2, columns: ['f', 'b', 'n'] },
    },
    {
      name: 'a bad value in the rows the types are inferred from',
      text: `${HEADER}\n${ROWS[0]}\n${ROWS[1]}\n${ROWS[1]?.replace('-2', 'x')}\n${ROWS[0]}\n`,
      options: { batchSize: 4, columnTypes: { i: 'int32' } },
    },
  ]
  for (const c of cases) {
    it(`gives csv-parse's batches and errors at every cut (${c.name})`, { timeout: 60_000 }, async () => {
      const oracle = await outcome(c.text, [], { ...c.options, engine: 'csv-parse' })
      if (c.name.startsWith('a bad value'))
        expect(oracle.error).toMatchObject({ location: { line: 4, row: 2, column: 'i' } })
      expect(oracle.rows.length + (oracle.error === undefined ? 0 : 1)).toBeGreaterThan(0)
      for (let cut = 1; cut < c.text.length; cut++) {
        for (const copies of [false, true]) {
          const fast = await outcome(c.text, [cut, cut + 7], { ...c.options, engine: 'fast' }, copies)
          expect(fast, `cut at ${cut}${copies ? ', chunks copied' : ''}`).toEqual(oracle)
        }
      }
    })
  }
})
