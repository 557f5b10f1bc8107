import { isSdError, SdError } from '@sd/core'
import { CommanderError } from 'commander'

/** A command line that cannot be run as written (exit status 2). */
export class UsageError extends SdError {
  constructor(message: string) {
    super(message, { code: 'USAGE' })
  }
}

/** Exit status for an error: 2 for usage errors, 1 for everything else. */
export function exitCodeOf(err: unknown): number {
  if (err instanceof UsageError) return 2
  if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2
  return 1
}

/** `CODE: message` on one line (a stack below it with `debug`). */
export function formatError(err: unknown, debug: boolean): string {
  const code = codeOf(err)
  const message = oneLine(err instanceof Error ? err.message : String(err))
  const line = `sd: ${code}: ${message}`
  if (!debug || !(err instanceof Error) || !err.stack) return line
  const causes: string[] = []
  let cause = (err as { cause?: unknown }).cause
  while (cause instanceof Error) {
    causes.push(`caused by: ${cause.stack ?? cause.message}`)
    cause = (cause as { cause?: unknown }).cause
  }
  return [line, err.stack, ...causes].join('\n')
}

function codeOf(err: unknown): string {
  if (isSdError(err)) return err.code
  if (err instanceof CommanderError) return 'USAGE'
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : 'INTERNAL'
}

function oneLine(text: string): string {
  return text
    .replace(/^error: /, '')
    .replace(/\s*\n\s*/g, ' ')
    .trim()
}
