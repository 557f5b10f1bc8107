import { createHash, type Hash } from 'node:crypto'
import { Worker } from 'node:worker_threads'

/** The worker: hashes the chunks it is sent, acknowledges each, and answers `null` with the digest. */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads')
const { createHash } = require('node:crypto')
const hash = createHash('sha256')
parentPort.on('message', (chunk) => {
  if (chunk === null) parentPort.postMessage({ digest: hash.digest('hex') })
  else {
    hash.update(new Uint8Array(chunk))
    parentPort.postMessage({ done: chunk.byteLength })
  }
})
`

/** Bytes sent to the worker and not yet hashed, at most. */
const BACKLOG_BYTES = 16 << 20
/** Below this, a worker costs more to start than it saves. */
export const WORKER_MIN_BYTES = 64 << 20

/**
 * The sha2-256 of a stream of chunks, computed on a worker thread so that it runs beside the
 * main thread's work (on a second core) rather than after it. Each chunk is copied to the worker
 * (a memory copy is a fraction of the hash's cost); at most 16 MiB wait there. Small inputs are
 * hashed inline. Call {@link StreamSha256.close} in a `finally`: it ends the worker whatever
 * happened.
 */
export class StreamSha256 {
  readonly #inline: Hash | undefined
  readonly #worker: Worker | undefined
  #backlog = 0
  #waiting: (() => void) | undefined
  #failed: Error | undefined
  #digest: ((hex: string) => void) | undefined

  constructor(expectedBytes: number) {
    if (expectedBytes < WORKER_MIN_BYTES) {
      this.#inline = createHash('sha256')
      return
    }
    const worker = new Worker(WORKER_SOURCE, { eval: true })
    worker.on('message', (m: { done?: number; digest?: string }) => {
      if (m.digest !== undefined) this.#digest?.(m.digest)
      else {
        this.#backlog -= m.done ?? 0
        this.#wake()
      }
    })
    worker.on('error', (err) => {
      this.#failed = err
      this.#wake()
    })
    this.#worker = worker
  }

  /** Adds a chunk; waits when the worker is behind by more than the backlog allows. */
  async update(bytes: Uint8Array): Promise<void> {
    if (this.#inline) {
      this.#inline.update(bytes)
      return
    }
    if (this.#failed) throw this.#failed
    // a copy the worker owns (Buffer#slice would be a view, and transferring it would detach the caller's bytes)
    const copy = new Uint8Array(bytes).buffer
    this.#backlog += copy.byteLength
    ;(this.#worker as Worker).postMessage(copy, [copy])
    while (this.#backlog > BACKLOG_BYTES && !this.#failed)
      await new Promise<void>((resolve) => (this.#waiting = resolve))
    if (this.#failed) throw this.#failed
  }

  /** The digest of everything added, as hex. */
  async digest(): Promise<string> {
    if (this.#inline) return this.#inline.digest('hex')
    if (this.#failed) throw this.#failed
    const answer = new Promise<string>((resolve, reject) => {
      this.#digest = resolve
      this.#waiting = () => {
        if (this.#failed) reject(this.#failed)
      }
    })
    ;(this.#worker as Worker).postMessage(null)
    return answer
  }

  /** Ends the worker. */
  async close(): Promise<void> {
    await this.#worker?.terminate()
  }

  #wake(): void {
    const wake = this.#waiting
    this.#waiting = undefined
    wake?.()
  }
}
