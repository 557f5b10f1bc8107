import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { renderReport } from './report-html.js'
import type { HarnessResult } from './types.js'

/** Paths of the files a run wrote. */
export interface Written {
  json: string
  html: string
}

/** Writes `sd-bench.json` and the self-contained `sd-bench.html` into `dir`. */
export function writeOutputs(result: HarnessResult, dir: string): Written {
  mkdirSync(dir, { recursive: true })
  const json = join(dir, 'sd-bench.json')
  const html = join(dir, 'sd-bench.html')
  writeFileSync(json, `${JSON.stringify(result, null, 2)}\n`)
  writeFileSync(html, renderReport(result))
  return { json, html }
}
