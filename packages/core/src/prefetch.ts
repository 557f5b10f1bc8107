import { abortErrorFrom, ValidationError } from './errors.js'
import { sizeOf as defaultSizeOf } from './size-of.js'

/** Options of {@link PrefetchingQueue}. */
export interface PrefetchOptions<T> {
  /** Most items read ahead and not yet taken by the consumer. Default 2; 0 reads on demand. */
  maxPrefetch?: number
  /** Most bytes read ahead (as `sizeOf` measures them); at least one item is always allowed. */
  maxBytes?: number
  /** Size of an item for `maxBytes` (default: `byteSize`/`byteLength`, see {@link sizeOf}). */
  sizeOf?: (item: T) => number
  /** Stops reading and rejects the consumer with an `AbortError` when aborted. */
  signal?: AbortSignal
  /**
   * Called once when the queue closes (the consumer stopped early, the source ended or failed, or
   * the signal aborted), before it waits for a read under way: the place to cancel that read.
   */
  onClose?: () => void
}

/**
 * Reads ahead of its consumer: while the consumer works on one item, up to `maxPrefetch` more are
 * produced. Items arrive in the source's order; a source error arrives after the items produced
 * before it, as the original error; breaking out of the consumer's loop stops the source (its
 * `return()` and `finally` run before the loop exits).
 *
 * @example
 * ```ts
 * for await (const batch of new PrefetchingQueue(readBatches(), { maxPrefetch: 4 })) {
 *   await train(batch) // the next four batches are being read meanwhile
 * }
 * ```
 */
export class PrefetchingQueue<T> implements AsyncIterable<T> {
  readonly #source: AsyncIterable<T> | Iterable<T>
  readonly #options: PrefetchOptions<T>

  constructor(source: AsyncIterable<T> | Iterable<T>, options: PrefetchOptions<T> = {}) {
    const max = options.maxPrefetch ?? 2
    if (!Number.isInteger(max) || max < 0) {
      throw new ValidationError(`maxPrefetch must be a non-negative integer, got ${max}`, {
        code: 'INVALID_OPTION',
      })
    }
    if (options.maxBytes !== undefined && !(options.maxBytes > 0)) {
      throw new ValidationError(`maxBytes must be a positive number, got ${options.maxBytes}`, {
        code: 'INVALID_OPTION',
      })
    }
    this.#source = source
    this.#options = options
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return new PrefetchIterator(openIterator(this.#source), this.#options)
  }
}

function openIterator<T>(source: AsyncIterable<T> | Iterable<T>): AsyncIterator<T> | Iterator<T> {
  if (Symbol.asyncIterator in source) return source[Symbol.asyncIterator]()
  return source[Symbol.iterator]()
}

type Waiter = () => void

class PrefetchIterator<T> implements AsyncIterator<T> {
  readonly #source: AsyncIterator<T> | Iterator<T>
  readonly #max: number
  readonly #maxBytes: number
  readonly #sizeOf: (item: T) => number
  readonly #signal: AbortSignal | undefined
  readonly #onClose: (() => void) | undefined
  readonly #items: T[] = []
  readonly #sizes: number[] = []
  #head = 0
  #bytes = 0
  #pumping: Promise<void> | undefined
  #running = false
  #sourceDone = false
  #failed = false
  #error: unknown
  #closed = false
  #released = false
  #waiter: Waiter | undefined
  readonly #onAbort = () => this.#wake()

  constructor(source: AsyncIterator<T> | Iterator<T>, options: PrefetchOptions<T>) {
    this.#source = source
    this.#max = options.maxPrefetch ?? 2
    this.#maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY
    this.#sizeOf = options.sizeOf ?? defaultSizeOf
    this.#signal = options.signal
    this.#onClose = options.onClose
    this.#signal?.addEventListener('abort', this.#onAbort, { once: true })
  }

  get #buffered(): number {
    return this.#items.length - this.#head
  }

  async next(): Promise<IteratorResult<T>> {
    if (this.#max === 0) return this.#nextDirect()
    for (;;) {
      if (this.#signal?.aborted) {
        await this.#close()
        throw abortErrorFrom(this.#signal)
      }
      if (this.#buffered > 0) {
        const item = this.#take()
        this.#pump()
        return { done: false, value: item }
      }
      if (this.#failed) {
        this.#failed = false
        this.#sourceDone = true
        await this.#close()
        throw this.#error
      }
      if (this.#sourceDone || this.#closed) {
        this.#release()
        return { done: true, value: undefined }
      }
      this.#pump()
      await new Promise<void>((resolve) => {
        this.#waiter = resolve
      })
    }
  }

  async return(): Promise<IteratorResult<T>> {
    await this.#close()
    return { done: true, value: undefined }
  }

  async #nextDirect(): Promise<IteratorResult<T>> {
    if (this.#signal?.aborted) {
      await this.#close()
      throw abortErrorFrom(this.#signal)
    }
    if (this.#closed || this.#sourceDone) return { done: true, value: undefined }
    try {
      const result = await this.#source.next()
      if (result.done) {
        this.#sourceDone = true
        this.#release()
      }
      return result
    } catch (err) {
      this.#sourceDone = true
      this.#release()
      throw err
    }
  }

  #take(): T {
    const item = this.#items[this.#head] as T
    this.#bytes -= this.#sizes[this.#head] as number
    // drop the reference so a consumed item can be collected while the buffer array lives on
    this.#items[this.#head] = undefined as T
    this.#head++
    if (this.#head > 64 && this.#head * 2 > this.#items.length) {
      this.#items.splice(0, this.#head)
      this.#sizes.splice(0, this.#head)
      this.#head = 0
    }
    return item
  }

  #canRead(): boolean {
    if (this.#closed || this.#sourceDone || this.#failed || this.#signal?.aborted) return false
    if (this.#buffered >= this.#max) return false
    return this.#buffered === 0 || this.#bytes < this.#maxBytes
  }

  #pump(): void {
    if (this.#running || !this.#canRead()) return
    this.#running = true
    this.#pumping = this.#run()
  }

  async #run(): Promise<void> {
    try {
      while (this.#canRead()) {
        const result = await this.#source.next()
        if (result.done) {
          this.#sourceDone = true
          break
        }
        const size = this.#maxBytes === Number.POSITIVE_INFINITY ? 0 : this.#sizeOf(result.value)
        this.#items.push(result.value)
        this.#sizes.push(size)
        this.#bytes += size
        this.#wake()
        if (this.#closed) break
      }
    } catch (err) {
      this.#failed = true
      this.#error = err
    } finally {
      this.#running = false
    }
    this.#wake()
  }

  #wake(): void {
    const waiter = this.#waiter
    this.#waiter = undefined
    waiter?.()
  }

  async #close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#release()
    this.#items.length = 0
    this.#sizes.length = 0
    this.#head = 0
    this.#bytes = 0
    // an iterator must not be asked to return while a next() is under way
    if (this.#running) await this.#pumping
    if (!this.#sourceDone) {
      this.#sourceDone = true
      await this.#source.return?.()
    }
  }

  #release(): void {
    if (this.#released) return
    this.#released = true
    this.#signal?.removeEventListener('abort', this.#onAbort)
    this.#onClose?.()
  }
}
