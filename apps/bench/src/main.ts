import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { toMarkdown } from '@sd/benchmarks/lib/suite'
import { HELP, parseCommand } from './args.js'
import { UsageError } from './formats.js'
import { runHarness } from './harness.js'
import { writeOutputs } from './output.js'
import { runPeerSuites } from './peers.js'
import { duration, Progress } from './progress.js'
import { killRunningJobs } from './run-job.js'
import { resultTable } from './table.js'

/**
 * Runs `sd-bench` with `argv` (without `node` and the script) and returns the exit code: 0 when
 * everything runnable ran, 1 when a configuration or suite failed, 2 for bad usage.
 */
export async function main(argv: string[]): Promise<number> {
  let command: ReturnType<typeof parseCommand>
  try {
    // `pnpm bench` runs the script in apps/bench; INIT_CWD is where the user typed it
    command = parseCommand(argv, process.env.INIT_CWD ?? process.cwd())
  } catch (err) {
    if (!(err instanceof UsageError)) throw err
    process.stderr.write(`sd-bench: ${err.message}\nRun sd-bench --help for the options.\n`)
    return 2
  }
  if (command.kind === 'help') {
    process.stdout.write(HELP)
    return 0
  }
  if (command.kind === 'version') {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string
    }
    process.stdout.write(`${pkg.version}\n`)
    return 0
  }
  const progress = new Progress(process.stderr)
  if (command.kind === 'peers') {
    const run = await runPeerSuites(
      command.suites,
      command.quick,
      (line) => progress.log(line),
      (name, phase, outcome) => {
        if (phase === 'begin') progress.log(`running suite ${name}${command.quick ? ' (quick)' : ''}`)
        else progress.log(`suite ${name}: ${outcome}`)
      },
    )
    for (const r of run.results) process.stdout.write(`\n## ${r.suite}\n\n${toMarkdown(r)}\n`)
    for (const e of run.errors) process.stderr.write(`suite ${e.suite} failed: ${e.error}\n`)
    mkdirSync(command.out, { recursive: true })
    const file = join(command.out, 'peers.json')
    writeFileSync(file, `${JSON.stringify(run, null, 2)}\n`)
    process.stdout.write(`\nJSON: ${file}\n`)
    return run.errors.length > 0 ? 1 : 0
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      progress.finish()
      killRunningJobs()
      process.stderr.write(`sd-bench: stopped by ${signal}\n`)
      process.exit(signal === 'SIGINT' ? 130 : 143)
    })
  }
  let result: Awaited<ReturnType<typeof runHarness>>
  try {
    result = await runHarness(command.harness, progress)
  } catch (err) {
    progress.finish()
    if (!(err instanceof UsageError)) throw err
    process.stderr.write(`sd-bench: ${err.message}\n`)
    return 2
  }
  process.stdout.write(`${resultTable(result)}\n`)
  for (const r of result.peers ?? []) process.stdout.write(`## peer suite ${r.suite}\n\n${toMarkdown(r)}\n\n`)
  for (const e of result.peerErrors ?? []) process.stderr.write(`suite ${e.suite} failed: ${e.error}\n`)
  for (const u of result.unavailable) process.stdout.write(`not measured: ${u.reason}\n`)
  const written = writeOutputs(result, command.out)
  process.stdout.write(
    `finished in ${duration(result.durationSeconds)}\nJSON:   ${written.json}\nreport: ${written.html}\n`,
  )
  const failed =
    result.configurations.filter((c) => c.status === 'failed').length + (result.peerErrors?.length ?? 0)
  if (failed > 0)
    process.stderr.write(`${failed} configuration(s) or suite(s) failed; see the reasons above\n`)
  return failed > 0 ? 1 : 0
}
