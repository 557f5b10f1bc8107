import { createHash, type Hash } from 'node:crypto'
import { Worker } from 'node:worker_threads'

/**
 * The worker: receives a shared ring of slots once, then hashes the slot each message names and
 * hands it back; `{ end: true }` asks for the digest.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads')
const { createHash } = require('node:crypto')
const hash = createHash('sha256')
let ring
parentPort.on('message', (m) => {
  if (m.ring) ring = m.ring
  else if (m.end) parentPort.postMessage({ digest: hash.digest('hex') })
  else {
    hash.update(new Uint8Array(ring, m.slot * m.slotBytes, m.length))
    parentPort.postMessage({ slot: m.slot })
  }
})
`

/** Slots of the shared ring: chunks copied to the worker and not yet hashed, at most. */
const SLOTS = 8
/** Below this, a worker costs more to start than it saves. */
export const WORKER_MIN_BYTES = 64 << 20

/**
 * The sha2-256 of a stream of chunks, computed on a worker thread so that it runs beside the
 * main thread's work (on a second core) rather than after it. Chunks are copied into a ring of
 * shared slots the worker reads in place (a memory copy is a fraction of the hash's cost, and the
 * slots are reused, so no garbage piles up on either thread); when every slot is taken, `update`
 * waits. Small inputs are hashed inline. Call {@link StreamSha256.close} in a `finally`: it ends
 * the worker whatever happened.
 */
export class StreamSha256 {
  readonly #inline: Hash | undefined
  readonly #worker: Worker | undefined
  readonly #ring: Uint8Array | undefined
  readonly #slotBytes: number
  readonly #free: number[] = []
  #waiting: (() => void) | undefined
  #failed: Error | undefined
  #digest: ((hex: string) => void) | undefined

  /** `expectedBytes` chooses inline or worker; `chunkBytes` is the largest chunk `update` gets. */
  constructor(expectedBytes: number, chunkBytes: number) {
    this.#slotBytes = chunkBytes
    if (expectedBytes < WORKER_MIN_BYTES) {
      this.#inline = createHash('sha256')
      return
    }
    const ring = new SharedArrayBuffer(SLOTS * chunkBytes)
    this.#ring = new Uint8Array(ring)
    for (let i = 0; i < SLOTS; i++) this.#free.push(i)
    const worker = new Worker(WORKER_SOURCE, { eval: true })
    worker.on('message', (m: { slot?: number; digest?: string }) => {
      if (m.digest !== undefined) this.#digest?.(m.digest)
      else {
        this.#free.push(m.slot as number)
        this.#wake()
      }
    })
    worker.on('error', (err) => {
      this.#failed = err
      this.#wake()
    })
    worker.postMessage({ ring })
    this.#worker = worker
  }

  /** Adds a chunk (at most `chunkBytes`); waits while every slot is in the worker's hands. */
  async update(bytes: Uint8Array): Promise<void> {
    if (this.#inline) {
      this.#inline.update(bytes)
      return
    }
    while (this.#free.length === 0 && !this.#failed)
      await new Promise<void>((resolve) => (this.#waiting = resolve))
    if (this.#failed) throw this.#failed
    const slot = this.#free.pop() as number
    ;(this.#ring as Uint8Array).set(bytes, slot * this.#slotBytes)
    ;(this.#worker as Worker).postMessage({ slot, slotBytes: this.#slotBytes, length: bytes.length })
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
    ;(this.#worker as Worker).postMessage({ end: true })
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
