/**
 * Child process of the cli suite: one conversion in a fresh process, then
 * `{ peakRssMb, seconds, records }` as its last line. Arguments: the tool (`sd` or `duckdb`), the
 * input, the output, and for sd the options of `convert` as JSON (`{"layout":"batches"}`). `sd` runs the command line's own `convert` (what `sd convert <in> <out>`
 * runs after parsing its arguments); `duckdb` runs the same conversion as one `COPY` statement.
 */
import { DuckDBInstance } from '@duckdb/node-api'
import { convert } from '@sd/cli/convert'
import { peakRssMb } from '../lib/rss.ts'

const [tool, input, output, json] = process.argv.slice(2)
if (!tool || !input || !output) throw new Error('usage: rss-child.ts <sd|duckdb> <in> <out>')
const started = performance.now()
let records: number
if (tool === 'sd') {
  const options = json ? (JSON.parse(json) as Parameters<typeof convert>[2]) : {}
  records = (await convert(input, output, { ...options, quiet: true })).rows ?? 0
} else {
  const instance = await DuckDBInstance.create(':memory:')
  const connection = await instance.connect()
  const read = input.endsWith('.csv') ? `read_csv('${input}')` : `'${input}'`
  const format = output.endsWith('.parquet') ? '(FORMAT parquet)' : '(FORMAT json)'
  await connection.run(`COPY (SELECT * FROM ${read}) TO '${output}' ${format}`)
  records = Number((await connection.runAndReadAll(`SELECT count(*) FROM ${read}`)).getRows()[0]?.[0] ?? 0)
  connection.closeSync()
  instance.closeSync()
}
const seconds = (performance.now() - started) / 1000
console.log(JSON.stringify({ peakRssMb: peakRssMb(), seconds, records }))
