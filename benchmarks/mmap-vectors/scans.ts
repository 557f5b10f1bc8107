/**
 * Peak RSS of full scans in fresh processes, for two file sizes: ours stays bounded by the batch
 * size (and the page cache), the whole-file peer grows with the file.
 */
import { runChild } from '../lib/rss.ts'
import { type Measurement, type RatioCheck, ratioCheck } from '../lib/suite.ts'

/** The scans, ours and the peers', with their labels. */
const SCANS: Record<string, string> = {
  'read-whole': 'peer: fs.readSync of the whole file',
  'read-chunks': 'peer: fs.readSync of 10k rows at a time into one buffer',
  'mmap-batches': 'iterBatches(10k), mmap',
  'pread-batches': 'iterBatches(10k), pread',
  'read-rows': 'readRows(start, start + 10k, tile), auto backend',
  dataset: 'loadVectors pass, 10k-row batches',
  'pread-get': 'get(i) over every row, pread',
}

/** Ours: their peak RSS must not grow with the file. */
const BOUNDED = ['mmap-batches', 'pread-batches', 'read-rows', 'dataset', 'pread-get']

/** One file of a size. */
export interface ScanFile {
  path: string
  rows: number
  /** How the dataset column names it, e.g. `1M x 128 float32 (512 MB)`. */
  label: string
}

/**
 * Runs every scan on both files (smaller first) and returns the measurements and the checks: for
 * each of ours, peak RSS on the larger file at most 1.15x that on the smaller, and under
 * 2 x the page cache + 64 MiB.
 */
export async function rssScans(
  files: [ScanFile, ScanFile],
  dimension: number,
  pageCacheMb: number,
  log: (line: string) => void,
): Promise<{ measurements: Measurement[]; ratios: RatioCheck[] }> {
  const measurements: Measurement[] = []
  const peak = new Map<string, number>()
  const child = new URL('./scan-child.ts', import.meta.url)
  for (const file of files) {
    log(`peak RSS: full scans of ${file.label} in fresh processes, ${pageCacheMb} MiB page cache`)
    for (const [mode, label] of Object.entries(SCANS)) {
      const report = await runChild(child, [mode, file.path, String(dimension), String(pageCacheMb)])
      if (report.records !== file.rows) throw new Error(`${mode} read ${report.records} of ${file.rows} rows`)
      peak.set(`${mode}@${file.rows}`, report.peakRssMb)
      measurements.push({
        name: `scan: ${label}`,
        dataset: `${file.label}, fresh process`,
        seconds: report.seconds,
        recordsPerSecond: report.records / report.seconds,
        peakRssMb: report.peakRssMb,
      })
    }
  }
  const [small, large] = files
  const bound = 2 * pageCacheMb + 64
  const ratios: RatioCheck[] = []
  for (const mode of BOUNDED) {
    const a = peak.get(`${mode}@${small.rows}`) ?? Number.NaN
    const b = peak.get(`${mode}@${large.rows}`) ?? Number.NaN
    ratios.push(
      ratioCheck(`peak RSS ${large.label} / ${small.label}, ${SCANS[mode]}`, b / a, { max: 1.15 }),
      ratioCheck(
        `peak RSS / (2 x ${pageCacheMb} MiB cache + 64 MiB), ${SCANS[mode]}, ${large.label}`,
        b / bound,
        {
          max: 1,
        },
      ),
    )
  }
  const whole = (peak.get(`read-whole@${large.rows}`) ?? 0) / (peak.get(`read-whole@${small.rows}`) ?? 1)
  ratios.push(
    ratioCheck(
      `peer's peak RSS ${large.label} / ${small.label}, fs.readSync of the whole file (grows)`,
      whole,
      {
        min: 1.5,
      },
    ),
  )
  return { measurements, ratios }
}
