import type { WriteStream } from 'node:tty'

/** Where progress goes: a redrawn bar on a terminal, plain lines otherwise (CI logs, pipes). */
export class Progress {
  readonly #out: NodeJS.WritableStream & Partial<Pick<WriteStream, 'columns' | 'isTTY'>>
  readonly #tty: boolean
  #total = 0
  #done = 0
  #started = 0
  readonly #running = new Set<string>()
  #drawn = false

  constructor(out: NodeJS.WritableStream & Partial<Pick<WriteStream, 'columns' | 'isTTY'>> = process.stderr) {
    this.#out = out
    this.#tty = out.isTTY === true
  }

  /** Starts counting `total` steps. */
  start(total: number): void {
    this.#total = total
    this.#done = 0
    this.#started = performance.now()
  }

  /** Names a step that started (several may run at once). */
  begin(label: string): void {
    this.#running.add(label)
    if (this.#tty) this.#draw()
  }

  /** Ends the step `label`; `outcome` (a short result) is printed as a line when not on a terminal. */
  end(label: string, outcome: string): void {
    this.#running.delete(label)
    this.#done++
    if (this.#tty) this.#draw()
    else this.#out.write(`[${this.#done}/${this.#total}] ${label}: ${outcome}\n`)
  }

  /** Prints a message line without breaking the bar. */
  log(line: string): void {
    this.#clear()
    this.#out.write(`${line}\n`)
    if (this.#tty && this.#total > 0 && this.#done < this.#total) this.#draw()
  }

  /** Removes the bar. */
  finish(): void {
    this.#clear()
    this.#total = 0
  }

  #clear(): void {
    if (this.#tty && this.#drawn) this.#out.write('\r\x1b[2K')
    this.#drawn = false
  }

  #draw(): void {
    const width = Math.max(40, (this.#out.columns ?? 80) - 1)
    const ratio = this.#total > 0 ? this.#done / this.#total : 0
    const elapsed = (performance.now() - this.#started) / 1000
    const eta = this.#done > 0 ? (elapsed / this.#done) * (this.#total - this.#done) : undefined
    const right = ` ${this.#done}/${this.#total} ${eta === undefined ? '' : `eta ${duration(eta)} `}${[...this.#running].join(' | ')}`
    const barWidth = Math.max(10, Math.min(30, width - right.length - 2))
    const filled = Math.round(ratio * barWidth)
    const line = `[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}]${right}`
    this.#out.write(`\r\x1b[2K${line.slice(0, width)}`)
    this.#drawn = true
  }
}

/** `75` -> `1m15s`. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds))
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`
}
