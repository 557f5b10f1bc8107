import type { StreamingCache } from './cache.js'
import { abortErrorFrom, isSdError, SdError, throwIfAborted } from './errors.js'
import type { ResolvedLoaderOptions } from './options.js'
import { PrefetchingQueue } from './prefetch.js'
import { RecordBatch, type Row } from './record-batch.js'
import type { StreamingStats } from './stats.js'
import { isThenable } from './thenable.js'

/** What a loader's `readBatches` receives for one pass over its source. */
export interface ReadContext {
  /** Aborted when the user cancels or the consumer stops early: stop reading and close files. */
  readonly signal: AbortSignal
  /** Rows per batch the user asked for. */
  readonly batchSize: number
  /**
   * Index of the first batch this pass needs. Non-zero only for loaders that declare themselves
   * seekable, when earlier batches are served from the cache.
   */
  readonly startBatch: number
  /** The loader's cache (absent with `cacheEnabled: false`), for byte ranges and the like. */
  readonly cache: StreamingCache | undefined
  /**
   * Counts source bytes read for the batch being produced (file or network bytes). Without any
   * call, a batch counts its decoded `byteSize`.
   */
  countBytes(bytes: number): void
}

/** A function that yields a source's batches for one pass. */
export type ReadBatches<R extends Row = Row> = (
  ctx: ReadContext,
) => AsyncIterable<RecordBatch<R>> | Iterable<RecordBatch<R>>

/** Everything one pass needs. */
export interface PassSpec<R extends Row = Row> {
  read: ReadBatches<R>
  options: ResolvedLoaderOptions
  stats: StreamingStats | undefined
  cache: StreamingCache | undefined
  /**
   * Key of the source's decoded batches in the cache (undefined caches none), asked for at the
   * start of each pass; it may be async, for sources that learn their identity from a footer.
   */
  cacheKey: () => string | undefined | Promise<string | undefined>
  /** True when `read` honours `ctx.startBatch`. */
  seekable: boolean
  /** Names the source in error messages. */
  name: string
}

const TOO_LARGE = -1

/**
 * One pass over a source: batches timed into the stats, replayed from and stored into the cache,
 * read ahead through a {@link PrefetchingQueue}, cancelled by the signals. Leaving the loop early
 * aborts in-flight reads and closes the source before the loop exits.
 *
 * The iterator handed to the consumer is the read-ahead queue itself (or, without read-ahead, the
 * producing generator): no extra async layer between the consumer and the batches, since each one
 * costs a few percent when the consumer's work per batch is light.
 */
export function runPass<R extends Row>(
  spec: PassSpec<R>,
  signal?: AbortSignal,
): AsyncIterator<RecordBatch<R>> {
  const userSignals = [spec.options.signal, signal].filter((s): s is AbortSignal => s !== undefined)
  // one controller for the pass, aborted by the user's signals or when the pass ends
  // (cheaper than AbortSignal.any, which costs tens of microseconds per pass)
  const controller = new AbortController()
  const onAbort = (event: Event) => controller.abort((event.target as AbortSignal).reason)
  for (const s of userSignals) {
    if (s.aborted) controller.abort(s.reason)
    else s.addEventListener('abort', onAbort, { once: true })
  }
  let closed = false
  /** Ends the pass; `early` (the consumer stopped) also aborts reads still under way. */
  const close = (early: boolean) => {
    if (closed) return
    closed = true
    for (const s of userSignals) s.removeEventListener('abort', onAbort)
    if (early) controller.abort()
    spec.stats?.endStream()
  }
  spec.stats?.beginStream()
  const producer = produce(spec, controller.signal, close)
  const { prefetchBatches, prefetchBytes } = spec.options
  if (prefetchBatches < 2) return producer
  return new PrefetchingQueue(producer, {
    maxPrefetch: prefetchBatches,
    ...(prefetchBytes === undefined ? {} : { maxBytes: prefetchBytes }),
    sizeOf: (b: RecordBatch<R>) => b.byteSize,
    signal: controller.signal,
    // abort in-flight reads before the queue waits for them
    onClose: () => close(true),
  })[Symbol.asyncIterator]()
}

/** The batches of one pass; `close` runs when it ends, however it ends. */
async function* produce<R extends Row>(
  spec: PassSpec<R>,
  signal: AbortSignal,
  close: (early: boolean) => void,
): AsyncGenerator<RecordBatch<R>> {
  let ended = false
  try {
    const { cache, stats } = spec
    let cacheKey: string | undefined
    if (cache) {
      try {
        const key = spec.cacheKey()
        cacheKey = isThenable(key) ? await key : key
      } catch (err) {
        throw sourceError(err, spec.name, 0, signal)
      }
    }
    const endKey = `${cacheKey}#end`
    let start = 0
    let total: number | undefined
    if (cache && cacheKey !== undefined) {
      total = cache.peek(endKey) as number | undefined
      if (total !== TOO_LARGE) {
        while (total === undefined || start < total) {
          throwIfAborted(signal)
          const t0 = performance.now()
          const hit = cache.get(`${cacheKey}#${start}`) as RecordBatch<R> | undefined
          if (hit === undefined) break
          stats?.recordBatch((performance.now() - t0) / 1000, hit.numRows, hit.byteSize)
          yield hit
          start++
        }
        if (total !== undefined && total !== TOO_LARGE && start >= total) {
          ended = true
          return
        }
      }
    }

    let pendingBytes = 0
    let bytesCounted = false
    const ctx: ReadContext = {
      signal,
      batchSize: spec.options.batchSize,
      startBatch: spec.seekable ? start : 0,
      cache,
      countBytes(bytes: number) {
        pendingBytes += bytes
        bytesCounted = true
      },
    }
    let caching = cache !== undefined && cacheKey !== undefined && total !== TOO_LARGE
    let cachedBytes = 0
    const firstCached = start
    let index = spec.seekable ? start : 0
    let it: AsyncIterator<RecordBatch<R>> | Iterator<RecordBatch<R>> | undefined
    try {
      const source = spec.read(ctx)
      it = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]()
      for (;;) {
        throwIfAborted(signal)
        const t0 = performance.now()
        const next = it.next()
        // a synchronous source needs no await (saves a microtask per batch)
        const result = isThenable(next) ? await next : next
        const t1 = performance.now()
        if (result.done) break
        const batch = result.value
        if (!RecordBatch.isRecordBatch(batch)) {
          throw new SdError(`${spec.name} yielded ${describe(batch)} where a RecordBatch was expected`, {
            code: 'NOT_A_BATCH',
            location: { batch: index },
          })
        }
        if (index < start) {
          // a source that cannot seek replays the batches the cache already served
          index++
          pendingBytes = 0
          continue
        }
        stats?.recordBatch((t1 - t0) / 1000, batch.numRows, bytesCounted ? pendingBytes : batch.byteSize, t1)
        pendingBytes = 0
        if (caching && cache) {
          cachedBytes += batch.byteSize
          if (cachedBytes > cache.maxSizeBytes) {
            // the pass outgrows the cache: keeping part of it would only churn the LRU
            caching = false
            for (let i = firstCached; i < index; i++) cache.delete(`${cacheKey}#${i}`)
            cache.put(endKey, TOO_LARGE, 16)
          } else {
            cache.put(`${cacheKey}#${index}`, batch, batch.byteSize)
          }
        }
        yield batch
        index++
      }
      if (caching && cache) cache.put(endKey, index, 16)
    } catch (err) {
      throw sourceError(err, spec.name, index, signal)
    } finally {
      await it?.return?.()
    }
    ended = true
  } catch (err) {
    ended = true
    throw err
  } finally {
    // a finally without an ending is the consumer's return(): an early stop
    close(!ended)
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  return typeof value === 'object'
    ? `an object (${Object.keys(value as object)
        .slice(0, 5)
        .join(', ')})`
    : typeof value
}

function sourceError(err: unknown, name: string, batch: number, signal: AbortSignal): unknown {
  if (isSdError(err)) return err
  if (signal.aborted) return abortErrorFrom(signal)
  const detail = err instanceof Error ? err.message : String(err)
  return new SdError(`${name} failed while producing a batch: ${detail}`, {
    code: 'SOURCE_ERROR',
    cause: err,
    location: { batch },
  })
}
