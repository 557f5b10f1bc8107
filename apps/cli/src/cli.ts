import { CommanderError } from 'commander'
import { exitCodeOf, formatError } from './errors.js'
import { registerSchemes } from './formats.js'
import { createProgram } from './program.js'

/** Runs one command by name with its parsed arguments. */
async function run(name: string, args: unknown[]): Promise<void> {
  switch (name) {
    case 'convert': {
      const { convert } = await import('./commands/convert.js')
      await convert(args[0] as string, args[1] as string, args[2] as Parameters<typeof convert>[2])
      return
    }
    case 'inspect': {
      const { inspect } = await import('./commands/inspect.js')
      return inspect(args[0] as string, args[1] as Parameters<typeof inspect>[1])
    }
    case 'head': {
      const { head } = await import('./commands/head.js')
      const options = args[1] as Parameters<typeof head>[1] & { rows: number }
      return head(args[0] as string, { ...options, n: options.rows })
    }
    case 'verify': {
      const { verify } = await import('./commands/verify.js')
      return verify(args[0] as string, args[1] as Parameters<typeof verify>[1])
    }
    case 'serve': {
      const { serve } = await import('./commands/serve.js')
      return serve(args[0] as string[], args[1] as Parameters<typeof serve>[1])
    }
    case 'knn build': {
      const { knnBuild } = await import('./commands/knn-build.js')
      return knnBuild(args[0] as string, args[1] as Parameters<typeof knnBuild>[1])
    }
    case 'knn search': {
      const { knnSearch } = await import('./commands/knn-search.js')
      return knnSearch(args[0] as string, args[1] as Parameters<typeof knnSearch>[1])
    }
  }
}

/** Commander's own exits that are not errors: `--help`, `--version`. */
const QUIET_EXITS = new Set(['commander.helpDisplayed', 'commander.version'])

async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug')
  const program = createProgram(run)
  // commander's own error lines are replaced by one line in sd's form (below)
  const quiet = (command: typeof program) => {
    command.exitOverride()
    command.configureOutput({ outputError: () => undefined })
    for (const sub of command.commands) quiet(sub)
  }
  quiet(program)
  try {
    await registerSchemes(argv)
    await program.parseAsync(argv, { from: 'user' })
    return 0
  } catch (err) {
    // a bare `sd` (or `sd knn`) printed its help to stderr: a usage error
    if (err instanceof CommanderError && err.code === 'commander.help') return 2
    if (err instanceof CommanderError && QUIET_EXITS.has(err.code)) return err.exitCode
    let line = formatError(err, debug)
    if (err instanceof CommanderError) line += ` (see ${commandOf(argv)} --help)`
    process.stderr.write(`${line}\n`)
    return exitCodeOf(err)
  }
}

/** `sd convert`, `sd knn build`...: the command named on the command line, for the help hint. */
function commandOf(argv: string[]): string {
  const words = ['sd']
  const [first, second] = argv
  if (first && ['convert', 'inspect', 'head', 'verify', 'serve', 'knn'].includes(first)) {
    words.push(first)
    if (first === 'knn' && (second === 'build' || second === 'search')) words.push(second)
  }
  return words.join(' ')
}

// `sd head big.csv | head -3`: a reader that stops early is not an error
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0)
  throw err
})
process.exitCode = await main(process.argv.slice(2))
