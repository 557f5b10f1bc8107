/**
 * Child process of the hf suite: one full pass, then its peak RSS.
 *   node --import tsx rss-child.ts sd <hubUrl> <dataset>
 *   node --import tsx rss-child.ts parquet-wasm|hyparquet <urls as JSON> <byteLength>
 */
import { peakRssMb } from '../lib/rss.ts'
import { hyparquetRowGroups, type Pass, parquetWasmStream, sdPass } from './peer.ts'

const [mode, a, b] = process.argv.slice(2)
if (!mode || !a || !b)
  throw new Error('usage: rss-child.ts sd <hubUrl> <dataset> | parquet-wasm|hyparquet <urls> <byteLength>')
const start = performance.now()
let pass: Pass
if (mode === 'sd') pass = await sdPass(a, b)
else if (mode === 'parquet-wasm') pass = await parquetWasmStream(JSON.parse(a) as string[], 10_000, 4)
else pass = await hyparquetRowGroups(JSON.parse(a) as string[], Number(b))
const seconds = (performance.now() - start) / 1000
console.log(JSON.stringify({ peakRssMb: peakRssMb(), seconds, records: pass.rows }))
