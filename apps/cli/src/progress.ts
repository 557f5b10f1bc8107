import cliProgress from 'cli-progress'
import { formatBytes, formatCount, formatSeconds } from './units.js'

/** What a long task has done so far. */
export interface ProgressState {
  /** Bytes read (or written, for tasks measured by their output). */
  bytes?: number
  rows?: number
}

/** Options of {@link Progress}. */
export interface ProgressOptions {
  /** Bytes the task will have read when done, when known (drives the bar and the ETA). */
  totalBytes?: number | undefined
  /** Rows it will have read when done, when known (drives the bar when bytes are not known). */
  totalRows?: number | undefined
  /** Say nothing. */
  quiet?: boolean
  /** Where to write; default stderr. */
  stream?: NodeJS.WriteStream
  /** How to learn the state when the bar redraws (polled), besides {@link Progress.update}. */
  poll?: () => ProgressState
}

/** Tasks shorter than this show no progress at all (`SD_PROGRESS_DELAY_MS` changes it). */
const DELAY_MS = Number(process.env.SD_PROGRESS_DELAY_MS ?? 1000)

/**
 * Progress of one long task on stderr: nothing for the first second, then a bar redrawn in
 * place on a terminal (bytes and rows done, rate, ETA) or, when stderr is not a terminal, a plain
 * line every two seconds. Built on cli-progress.
 */
export class Progress {
  readonly #label: string
  readonly #options: ProgressOptions
  readonly #started = performance.now()
  #timer: NodeJS.Timeout | undefined
  #bar: cliProgress.SingleBar | undefined
  #poller: NodeJS.Timeout | undefined
  #state: Required<ProgressState> = { bytes: 0, rows: 0 }
  #stopped = false

  constructor(label: string, options: ProgressOptions = {}) {
    this.#label = label
    this.#options = options
    if (!options.quiet) {
      if (DELAY_MS <= 0) this.#show()
      else {
        this.#timer = setTimeout(() => this.#show(), DELAY_MS)
        this.#timer.unref()
      }
    }
  }

  /** Records what is done (missing fields keep their value). */
  update(state: ProgressState): void {
    if (state.bytes !== undefined) this.#state.bytes = state.bytes
    if (state.rows !== undefined) this.#state.rows = state.rows
    this.#bar?.update(this.#value(), this.#payload())
  }

  /**
   * Ends the display. When the task succeeded the last state stays on the terminal (and is the
   * last plain line); when it failed nothing more is drawn, so the error is the last word.
   */
  stop(succeeded = true): void {
    if (this.#stopped) return
    this.#stopped = true
    if (this.#timer) clearTimeout(this.#timer)
    if (this.#poller) clearInterval(this.#poller)
    if (!this.#bar && succeeded && !this.#options.quiet && DELAY_MS <= 0) {
      // with no delay every task shows its progress, even one over before the first redraw (or one
      // that kept the event loop busy to its end): its last state, as one line
      this.#poll()
      if (this.#state.bytes === 0 && this.#state.rows === 0) return
      this.#start()
      const bar = this.#bar as unknown as { render(): void; stop(): void }
      bar.render = () => undefined
      bar.stop()
      return
    }
    if (!this.#bar) return
    if (succeeded) {
      this.#poll()
      this.#bar.update(this.#value(), this.#payload())
      this.#bar.stop()
    } else {
      // no last frame, and a terminal's bar line cleared: the error is the last word
      const bar = this.#bar as unknown as { render(): void; options: { clearOnComplete: boolean } }
      bar.render = () => undefined
      bar.options.clearOnComplete = true
      this.#bar.stop()
    }
  }

  #show(): void {
    if (this.#stopped) return
    // nothing to show until the work is under way (a source that fails to open shows no bar)
    this.#poll()
    if (this.#state.bytes === 0 && this.#state.rows === 0) {
      this.#timer = setTimeout(() => this.#show(), 200)
      this.#timer.unref()
      return
    }
    this.#start()
    if (this.#options.poll) {
      this.#poller = setInterval(() => {
        this.#poll()
        this.#bar?.update(this.#value(), this.#payload())
      }, 200)
      this.#poller.unref()
    }
  }

  /** Draws the bar's first frame. */
  #start(): void {
    const stream = this.#options.stream ?? process.stderr
    const tty = stream.isTTY === true
    const bar = this.#total() === undefined ? '' : '[{bar}] '
    this.#bar = new cliProgress.SingleBar({
      format: tty ? `${this.#label} ${bar}{text}` : `${this.#label}: {text}`,
      stream,
      noTTYOutput: true,
      notTTYSchedule: 2000,
      fps: 5,
      barsize: 24,
      hideCursor: false,
      // a terminal keeps the last frame; plain output already ended its last line
      clearOnComplete: !tty,
    })
    this.#bar.start(this.#total() ?? 1, this.#value(), this.#payload())
  }

  #poll(): void {
    if (!this.#options.poll) return
    const state = this.#options.poll()
    if (state.bytes !== undefined) this.#state.bytes = state.bytes
    if (state.rows !== undefined) this.#state.rows = state.rows
  }

  /** The bar follows bytes when their total is known, else rows. */
  #total(): number | undefined {
    return this.#options.totalBytes ?? this.#options.totalRows
  }

  #value(): number {
    const total = this.#total()
    const value = this.#options.totalBytes !== undefined ? this.#state.bytes : this.#state.rows
    return total === undefined ? value : Math.min(value, total)
  }

  /** `1.2 MB of 3.4 MB (35%), 10,000 rows, 2.1 MB/s, 17,000 rows/s, ETA 1.1 s` */
  #payload(): { text: string } {
    const seconds = Math.max(1e-3, (performance.now() - this.#started) / 1000)
    const { bytes, rows } = this.#state
    const { totalBytes, totalRows } = this.#options
    const parts: string[] = []
    let fraction: number | undefined
    // a finished task is whole, whatever its headers and footers made the counts
    const done = (part: number, whole: number) =>
      this.#stopped || whole <= 0 ? 1 : Math.min(1, part / whole)
    if (totalBytes !== undefined) {
      fraction = done(bytes, totalBytes)
      parts.push(`${formatBytes(bytes)} of ${formatBytes(totalBytes)} (${Math.floor(fraction * 100)}%)`)
      // a task that counts no rows (saving or loading an index) shows none
      if (rows > 0) parts.push(`${formatCount(rows)} rows`)
    } else if (totalRows !== undefined) {
      fraction = done(rows, totalRows)
      parts.push(`${formatCount(rows)} of ${formatCount(totalRows)} rows (${Math.floor(fraction * 100)}%)`)
      if (bytes > 0) parts.push(formatBytes(bytes))
    } else {
      if (bytes > 0) parts.push(formatBytes(bytes))
      parts.push(`${formatCount(rows)} rows`)
    }
    if (bytes > 0) parts.push(`${formatBytes(bytes / seconds)}/s`)
    if (rows > 0) parts.push(`${formatCount(Math.round(rows / seconds))} rows/s`)
    if (fraction !== undefined && fraction > 0 && fraction < 1) {
      parts.push(`ETA ${formatSeconds((seconds * (1 - fraction)) / fraction)}`)
    } else
      parts.push(this.#stopped ? `done in ${formatSeconds(seconds)}` : `${formatSeconds(seconds)} so far`)
    return { text: parts.join(', ') }
  }
}

/** Runs `task` with a {@link Progress} that is stopped when it ends, without a last frame if it fails. */
export async function withProgress<T>(
  label: string,
  options: ProgressOptions,
  task: (progress: Progress) => Promise<T>,
): Promise<T> {
  const progress = new Progress(label, options)
  try {
    const result = await task(progress)
    progress.stop(true)
    return result
  } catch (err) {
    progress.stop(false)
    throw err
  }
}
