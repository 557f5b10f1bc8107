/**
 * Child process of the car suite: packs one file with `packFile` (profile unixfs-v1-2025) and
 * prints `{ peakRssMb, seconds, records, mibPerSecond }`. Arguments: the file and the CAR path.
 */
import { rmSync, statSync } from 'node:fs'
import { packFile } from '@sd/car'
import { peakRssMb } from '../lib/rss.ts'

const [file, car] = process.argv.slice(2)
if (!file || !car) throw new Error('usage: rss-child.ts <file> <car>')
const started = performance.now()
const result = await packFile(file, car)
const seconds = (performance.now() - started) / 1000
const bytes = statSync(file).size
rmSync(car, { force: true })
rmSync(`${car}.idx`, { force: true })
console.log(
  JSON.stringify({
    peakRssMb: peakRssMb(),
    seconds,
    records: result.blocks,
    mibPerSecond: bytes / 2 ** 20 / seconds,
  }),
)
