import { throwIfAborted } from '../../errors.js'
import type { RecordBatch } from '../../record-batch.js'
import type { PoolTask, WorkerPool } from '../../workers/pool.js'
import { FileRangeReader } from '../file-range.js'
import type { RangeReader } from '../range-reader.js'

/** Where a text parse stands: the absolute byte of a record start, its line, and the next data row. */
export interface TextPosition {
  byte: number
  /** 1-based line of `byte`. */
  line: number
  /** 0-based index of the next data record. */
  row: number
}

/** A range of a text file handed to a worker. */
export interface TextRange {
  /** 0-based index of the range. */
  index: number
  /** Absolute offset of `bytes[0]` (the range's nominal start). */
  base: number
  /** The range's bytes and some beyond its nominal end, so its last record can finish. */
  bytes: Uint8Array
  /** Where the worker starts: the first record start at or after `base` (speculative, but for the first range). */
  start: number
  /** The worker parses the records that start before this (the next range's `start` when known). */
  limit: number
  /** `bytes` reach the end of the source: the worker reads its last record as final. */
  last: boolean
}

/** The last item of a range's stream: where the worker stopped and what it counted. */
export interface RangeEnd {
  type: 'end'
  /** Absolute offset of the first record it did not parse (its `limit` when all went well). */
  stop: number
  /** Line breaks it passed, and data records it counted (read, skipped or failed). */
  lines: number
  rows: number
  /**
   * The range's buffer, handed back (transferred) for the read of a later range: a buffer per
   * range left to the worker's garbage collector was freed late, and memory grew with the file.
   */
  buffer?: ArrayBuffer
}

/**
 * What a worker's range task streams: `start` once it begins the range (before that the main
 * thread may take the range over), its items (batches, skipped records, an error), then its end.
 */
export type RangeItem<P> = { type: 'start' } | { type: 'item'; payload: P } | RangeEnd

/** Options of {@link parallelText}. */
export interface ParallelTextOptions<T, P> {
  reader: RangeReader
  /** Where parsing starts: a record start already known to be one, with its line and row. */
  from: TextPosition
  signal: AbortSignal
  pool: WorkerPool<T, RangeItem<P>>
  /** Nominal bytes per range. */
  rangeBytes: number
  /** Bytes read past a range's end so that its last record can finish there. */
  overlap: number
  /** Ranges in flight (read, parsing, or waiting for the consumer). */
  maxInFlight: number
  /** The first record start at or after absolute `at` in `bytes` (whose first byte is at `base`), or -1. */
  recordStart(bytes: Uint8Array, base: number, at: number): number
  /** The worker task of a range. */
  task(range: TextRange): PoolTask<T>
  /**
   * Parses in this thread from `at` until a record starts at or after `until` (or the source
   * ends): yields its batches (the last one cut there), returns where it stopped.
   */
  serial(at: TextPosition, until: number): AsyncGenerator<RecordBatch, TextPosition>
  /** Called for every range planned, whichever thread parses it (statistics). */
  onRange?(range: TextRange): void
  /**
   * Parses a range's task in this thread as a worker would (the items a worker streams), for the
   * ranges this thread parses ahead while the workers parse the ranges before them.
   */
  local?(task: T, range: TextRange): Iterable<RangeItem<P>>
  /** The batches of a worker's item from a range whose start was right, given where it started. */
  accept(payload: P, at: TextPosition): RecordBatch[]
}

/** A planned range: parsed by a worker (`stream`), ahead by this thread (`items`), or by `serial`. */
interface Planned<T, P> {
  range: TextRange
  /** Where the range's bytes end (its `bytes` go to the worker). */
  readEnd: number
  task: T | undefined
  stream:
    | (AsyncIterableIterator<RangeItem<P>> & { return(): Promise<IteratorResult<RangeItem<P>>> })
    | undefined
  /** The stream's first result (its `start`), awaited in the background. */
  first: Promise<IteratorResult<RangeItem<P>>> | undefined
  /** The worker has begun the range (its `start` came): this thread waits for it. */
  started: boolean
  /** The items of a range this thread parsed ahead, while workers parsed the ranges before it. */
  items: RangeItem<P>[] | undefined
}

/**
 * Parses a text source in parallel by byte ranges, with results identical to one pass in one
 * thread. The source from `from` is cut into ranges of about `rangeBytes`; each worker starts at
 * the first record start after its range's nominal start (for CSV a guess: a line break inside a
 * quoted field looks like one) and parses the records that start before the next range's start,
 * reading past its end as needed. Ranges are taken in order: a range is accepted when the parse
 * so far stopped exactly at its start, which proves the guess right; otherwise its results are
 * dropped and this thread parses from where the parse stands (`serial`) until it meets a later
 * range's start, where workers take over again. Batches come out in file order; a worker's error
 * surfaces only from an accepted range, after the batches before it.
 *
 * The work is shared. While the workers start (a thread and its compiled code take a while),
 * this thread parses the ranges it reaches that no worker has begun, and ranges are a quarter of
 * `rangeBytes`: the first range of a worker runs cold. Once they run, this thread, rather than
 * wait for the range a worker is parsing, parses (`local`) a later range no worker has begun,
 * and keeps its items until their turn (one range at a time). A pass is so never much slower
 * than this thread alone, and gains as soon as the workers run.
 */
export async function* parallelText<T, P>(
  options: ParallelTextOptions<T, P>,
): AsyncGenerator<RecordBatch, TextPosition> {
  const { reader, signal, pool } = options
  const to = reader.byteLength
  const file = reader instanceof FileRangeReader ? reader : undefined
  /** Buffers of whole ranges handed back with their ends, for the next reads (one per range in flight, and one). */
  const spare: ArrayBuffer[] = []
  const rangeBuffer = options.rangeBytes + options.overlap
  const recycle = (buffer: ArrayBuffer | undefined) => {
    if (buffer && buffer.byteLength >= rangeBuffer && spare.length <= options.maxInFlight) spare.push(buffer)
  }
  const read = async (s: number, e: number) => {
    const buffer = e - s <= rangeBuffer ? spare.pop() : undefined
    if (buffer && file) return file.readInto(new Uint8Array(buffer, 0, e - s), s, signal)
    const bytes = await reader.read(s, e, signal)
    if (buffer) {
      const own = new Uint8Array(buffer, 0, bytes.length)
      own.set(bytes)
      return own
    }
    // a reader may keep what it returned (a cache): workers get their own copy then
    return !file || bytes.byteOffset !== 0 || bytes.byteLength !== bytes.buffer.byteLength
      ? bytes.slice()
      : bytes
  }
  const queue: Planned<T, P>[] = []
  let base = options.from.byte
  let index = 0
  /** Ranges the workers have begun: once every worker has begun one, they are all running. */
  let begun = 0
  const running = () => begun >= pool.size
  const cancel = async (p: Planned<T, P>) => {
    const stream = p.stream
    p.stream = undefined
    p.first = undefined
    await stream?.return()
  }
  /** Plans ranges ahead of this thread, each sent to a worker, up to `maxInFlight`. */
  const fill = async () => {
    while (base < to && queue.length < options.maxInFlight) {
      throwIfAborted(signal)
      const s = base
      const e = Math.min(to, s + (running() ? options.rangeBytes : Math.ceil(options.rangeBytes / 4)))
      const readEnd = Math.min(to, e + options.overlap)
      const bytes = await read(s, readEnd)
      const start = index === 0 ? s : options.recordStart(bytes, s, s)
      const last = readEnd >= to
      const next = e < to ? options.recordStart(bytes, s, e) : -1
      const limit = e >= to ? to : next >= 0 ? next : readEnd
      const range: TextRange = { index: index++, base: s, bytes, start, limit, last }
      base = e
      options.onRange?.(range)
      const planned: Planned<T, P> = {
        range,
        readEnd,
        task: undefined,
        stream: undefined,
        first: undefined,
        started: false,
        items: undefined,
      }
      // a range in which no record starts is this thread's
      if (start >= 0 && start < limit) {
        const { task, ...rest } = options.task(range)
        planned.task = task
        planned.stream = pool.stream(task, { ...rest, signal: rest.signal ?? signal })
        const first = planned.stream.next()
        first.then(
          (r) => {
            if (!r.done && r.value.type === 'start') {
              planned.started = true
              begun++
            }
          },
          () => undefined,
        )
        planned.first = first
      }
      queue.push(planned)
    }
  }
  let at = options.from
  let current: Planned<T, P> | undefined
  try {
    await fill()
    for (current = queue.shift(); current !== undefined; current = queue.shift()) {
      const { range } = current
      // the workers are starting and this range's has not begun it: this thread takes it
      if (current.first && !current.started && !running()) await cancel(current)
      await fill()
      if (!current.first && !current.items) {
        if (at.byte < range.limit) at = yield* options.serial(at, range.limit)
        continue
      }
      const ahead =
        options.local && !queue.some((p) => p.items) ? queue.find((p) => p.first && !p.started) : undefined
      if (ahead && options.local) {
        // a worker parses this range: this thread parses a later one meanwhile
        const task = ahead.task as T
        await cancel(ahead)
        const bytes = await read(ahead.range.base, ahead.readEnd)
        ahead.range = { ...ahead.range, bytes }
        ahead.items = [...options.local(task, ahead.range)]
      }
      if (at.byte < range.start) at = yield* options.serial(at, range.start)
      const accepting = at.byte === range.start
      const items = current.items ?? []
      current.items = undefined
      const stream = current.stream
      let r: IteratorResult<RangeItem<P>> = current.first
        ? await current.first
        : { done: items.length === 0, value: items.shift() as RangeItem<P> }
      for (
        ;
        !r.done;
        r = stream ? await stream.next() : { done: items.length === 0, value: items.shift() as RangeItem<P> }
      ) {
        const item = r.value
        if (item.type === 'start') continue
        if (item.type === 'end') {
          recycle(item.buffer)
          if (accepting) at = { byte: item.stop, line: at.line + item.lines, row: at.row + item.rows }
          break
        }
        if (accepting) for (const batch of options.accept(item.payload, at)) yield batch
      }
      await cancel(current)
    }
  } finally {
    for (const p of current ? [current, ...queue] : queue) await cancel(p)
  }
  if (at.byte < to) at = yield* options.serial(at, Number.POSITIVE_INFINITY)
  return at
}
