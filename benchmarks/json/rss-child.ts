/**
 * Child process of the json suite: reads a whole file with `loadJson` and prints
 * `{ peakRssMb, seconds, records }`. Arguments: the file and `cacheEnabled` (`true` or `false`).
 */
import { loadJson } from '@sd/json'
import { peakRssMb } from '../lib/rss.ts'

const [file, cache] = process.argv.slice(2)
if (!file) throw new Error('usage: rss-child.ts <file> <cacheEnabled>')
const started = performance.now()
let records = 0
for await (const batch of loadJson(file, { cacheEnabled: cache === 'true' })) records += batch.numRows
const seconds = (performance.now() - started) / 1000
console.log(JSON.stringify({ peakRssMb: peakRssMb(), seconds, records }))
