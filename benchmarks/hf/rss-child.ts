/**
 * Child process of the hf suite: one full pass, then its peak RSS.
 *   node --import tsx rss-child.ts sd <hubUrl> <dataset>
 *   node --import tsx rss-child.ts peer <urls as JSON> <byteLength>
 */
import { loadHuggingFace } from '@sd/hf'
import { peakRssMb } from '../lib/rss.ts'
import { hyparquetRowGroups } from './peer.ts'

const [mode, a, b] = process.argv.slice(2)
if (!mode || !a || !b) throw new Error('usage: rss-child.ts sd <hubUrl> <dataset> | peer <urls> <byteLength>')
const start = performance.now()
let records = 0
if (mode === 'sd') {
  for await (const batch of loadHuggingFace(b, { hubUrl: a, cacheEnabled: false })) records += batch.numRows
} else {
  records = await hyparquetRowGroups(JSON.parse(a) as string[], Number(b))
}
const seconds = (performance.now() - start) / 1000
console.log(JSON.stringify({ peakRssMb: peakRssMb(), seconds, records }))
