import type { Suite, SuiteResult } from '@sd/benchmarks/lib/suite'
import { firstLine } from './packages.js'

/** A registered suite: imported when it runs. */
export type SuiteLoader = () => Promise<Suite>

/** The suites registered in `benchmarks/suites.ts`, or why they could not be loaded. */
export async function loadSuites(): Promise<
  { ok: true; suites: Record<string, SuiteLoader> } | { ok: false; error: string }
> {
  try {
    // computed: a suite under construction must not stop the harness from type-checking or running
    const specifier: string = '@sd/benchmarks/suites'
    const mod = (await import(specifier)) as { suites?: Record<string, SuiteLoader> }
    if (!mod.suites || typeof mod.suites !== 'object')
      return { ok: false, error: 'benchmarks/suites.ts exports no `suites`' }
    return { ok: true, suites: mod.suites }
  } catch (err) {
    return { ok: false, error: `benchmarks/suites.ts failed to load: ${firstLine(err)}` }
  }
}

/** What running the peer suites produced. */
export interface PeerRun {
  results: SuiteResult[]
  errors: { suite: string; error: string }[]
}

/**
 * Runs the named peer suites (every registered one when `names` is empty), one after the other
 * in this process; each measures its own peak RSS in child processes. A failing suite is
 * reported and the others still run.
 */
export async function runPeerSuites(
  names: readonly string[],
  quick: boolean,
  log: (line: string) => void,
  onSuite?: (name: string, phase: 'begin' | 'end', outcome: string) => void,
): Promise<PeerRun> {
  const loaded = await loadSuites()
  if (!loaded.ok) return { results: [], errors: [{ suite: '*', error: loaded.error }] }
  const known = Object.keys(loaded.suites)
  const unknown = names.filter((n) => !known.includes(n))
  const run: PeerRun = {
    results: [],
    errors: unknown.map((suite) => ({
      suite,
      error: `no such suite (registered: ${known.join(', ') || 'none'})`,
    })),
  }
  for (const name of names.length > 0 ? names.filter((n) => known.includes(n)) : known) {
    const load = loaded.suites[name]
    if (!load) continue
    onSuite?.(name, 'begin', '')
    try {
      const suite = await load()
      const result = await suite({ quick, log: (line) => log(`  [${name}] ${line}`) })
      run.results.push(result)
      const missed = result.ratios.filter((r) => !r.pass).length
      onSuite?.(
        name,
        'end',
        `${result.measurements.length} measurements, ${result.ratios.length - missed}/${result.ratios.length} targets met`,
      )
    } catch (err) {
      run.errors.push({ suite: name, error: err instanceof Error ? err.message : String(err) })
      onSuite?.(name, 'end', `failed: ${firstLine(err)}`)
    }
  }
  return run
}
