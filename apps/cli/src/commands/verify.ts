import { stat } from 'node:fs/promises'
import { SdError } from '@sd/core'
import { locate } from '../formats.js'
import { IoCounter } from '../io-counter.js'
import { fields, jsonText, print } from '../output.js'
import { withProgress } from '../progress.js'
import { formatBytes, formatCount, formatSeconds } from '../units.js'

/** Options of `sd verify`. */
export interface VerifyOptions {
  json?: boolean
  quiet?: boolean
}

/**
 * `sd verify <car>`: hashes every block against its CID and walks the DAG from the roots; any
 * block that does not match, cannot be decoded, or is missing ends with exit status 1.
 */
export async function verify(source: string, options: VerifyOptions): Promise<void> {
  const location = locate(source, 'car', '--from')
  const { openCar } = await import('@sd/car')
  const car = await openCar(location.raw)
  const totalBytes = location.kind === 'file' ? (await stat(location.raw)).size : undefined
  const io = new IoCounter()
  const quiet = options.quiet === true || options.json === true
  let report: Awaited<ReturnType<typeof car.verify>>
  try {
    const progress = { totalBytes, quiet, poll: () => ({ bytes: io.now().read }) }
    report = await withProgress(`verifying ${source}`, progress, () => car.verify())
  } finally {
    await car.close()
  }
  const summary = {
    source,
    ok: report.ok,
    roots: report.roots.map(String),
    blocks: report.blocks,
    bytes: report.bytes,
    duplicates: report.duplicates,
    unreachable: report.unreachable,
    missing: report.missing.map(String),
    problems: report.problems.map((p) => ({ code: p.code, message: p.message })),
    seconds: report.seconds,
  }
  if (options.json) print(jsonText(summary))
  else if (!options.quiet) {
    const lines = [
      fields([
        ['source', source],
        ['result', report.ok ? 'ok' : 'FAILED'],
        ['roots', summary.roots.join(', ') || '(none)'],
        [
          'blocks',
          `${formatCount(report.blocks)} (${formatBytes(report.bytes)}), ${formatCount(report.duplicates)} duplicates, ${formatCount(report.unreachable)} not reachable from a root`,
        ],
        ['missing', formatCount(report.missing.length)],
        ['problems', formatCount(report.problems.length)],
        ['checked in', formatSeconds(report.seconds)],
      ]),
    ]
    for (const p of summary.problems) lines.push(`  ${p.code}: ${p.message}`)
    for (const cid of summary.missing) lines.push(`  CAR_MISSING_BLOCK: ${cid}`)
    print(lines.join('\n'))
  }
  if (!report.ok) {
    const first = report.problems[0]
    const count = `${report.problems.length} bad block${report.problems.length === 1 ? '' : 's'}, ${report.missing.length} missing`
    throw new SdError(
      first ? `${count}; first: ${first.message}` : `${count}; first missing: ${String(report.missing[0])}`,
      { code: first?.code ?? 'CAR_MISSING_BLOCK' },
    )
  }
}
