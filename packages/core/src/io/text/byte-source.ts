import { createGunzip } from 'node:zlib'
import {
  abortErrorFrom,
  type ErrorLocation,
  FormatError,
  IoError,
  isSdError,
  StateError,
  systemErrorCode,
  throwIfAborted,
  ValidationError,
} from '../../errors.js'
import type { HttpOptions } from '../http-options.js'
import { isRemoteSource, openRange } from '../open-range.js'
import type { RangeReader } from '../range-reader.js'
import type { S3Options } from '../s3-config.js'

/**
 * Where a text loader's bytes come from: a file path or `http(s)` URL, a {@link RangeReader} some
 * other package resolved (a file inside a CAR, a Hugging Face file), or a byte stream (an
 * `AsyncIterable<Uint8Array>` such as a Node `Readable`, or a web `ReadableStream`).
 */
export type ByteSource = string | RangeReader | AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>

/** How a text source is compressed: `'auto'` looks for the gzip magic bytes. */
export type Compression = 'auto' | 'gzip' | 'none'

/** Options of {@link openTextSource}. */
export interface OpenTextOptions {
  /** Bytes per read (default 64 KiB). */
  chunkBytes?: number
  /** Stops reading between chunks; an aborted read rejects with an `AbortError`. */
  signal?: AbortSignal | undefined
  /** Default `'auto'`: gunzip when the first bytes are the gzip magic. */
  compression?: Compression
  /** Called with the source bytes of each read (compressed bytes for a gzip source). */
  onBytes?: ((bytes: number) => void) | undefined
  /** HTTP timeouts and retries, for a URL (an `s3://` object's requests included). */
  http?: HttpOptions | undefined
  /** Credentials, region and endpoint for an `s3://` object (default: the AWS environment variables). */
  s3?: S3Options | undefined
}

/** An opened text source: its bytes in chunks, and random access when it has it. */
export interface TextSource {
  /** The path or URL (`'<stream>'` for a byte stream), for messages. */
  readonly name: string
  /** `{ file }` or `{ url }`, for error locations. */
  readonly location: ErrorLocation
  /** True when the bytes are gzip-compressed (and `chunks` gunzips them). */
  readonly gzip: boolean
  /** Random access to the text bytes: for a plain (not gzip) file, URL or range reader. */
  readonly reader: RangeReader | undefined
  /** The text bytes from the start, in chunks of fresh memory (iterate once). */
  readonly chunks: AsyncIterable<Uint8Array>
  /** Releases what this call opened (a reader passed in by the caller stays open). */
  close(): Promise<void>
}

const DEFAULT_CHUNK = 64 * 1024

/** True for a {@link RangeReader} (an object with `read`, `close` and a numeric `byteLength`). */
export function isRangeReader(value: unknown): value is RangeReader {
  if (typeof value !== 'object' || value === null) return false
  const v = value as Partial<RangeReader>
  return typeof v.read === 'function' && typeof v.close === 'function' && typeof v.byteLength === 'number'
}

/** True for a byte stream source (async iterable, or a web `ReadableStream`). */
export function isByteStream(
  value: unknown,
): value is AsyncIterable<Uint8Array> | ReadableStream<Uint8Array> {
  if (typeof value !== 'object' || value === null || isRangeReader(value)) return false
  return Symbol.asyncIterator in value || typeof (value as ReadableStream).getReader === 'function'
}

/** Throws a `ValidationError` (`INVALID_OPTION`) unless `source` is a {@link ByteSource}. */
export function checkByteSource(source: unknown): asserts source is ByteSource {
  if (typeof source === 'string' && source.length > 0) return
  if (isRangeReader(source) || isByteStream(source)) return
  throw new ValidationError(
    `Expected a file path, a URL, a RangeReader or a byte stream, got ${source === '' ? 'an empty string' : typeof source}`,
    { code: 'INVALID_OPTION' },
  )
}

/** The name of a source for messages: its path, URL or reader name, or `'<stream>'`. */
export function sourceName(source: ByteSource): string {
  if (typeof source === 'string') return source
  if (isRangeReader(source)) return source.name
  return '<stream>'
}

/** `{ url }` for a URL read over the network or through a scheme (`http(s)://`, `s3://`, `hf://`...), else `{ file }`. */
export function sourceLocation(name: string): ErrorLocation {
  return isRemoteSource(name) ? { url: name } : { file: name }
}

/**
 * Opens a text source for one pass. A path or URL is opened as a {@link RangeReader} (closed by
 * `close()`); a reader passed in is read, never closed; a stream is read as it comes. Gzip is
 * recognised by its magic bytes (or forced with `compression`); a corrupt gzip stream is a
 * `FormatError` with code `GZIP_CORRUPT`. A missing file is a `NotFoundError`.
 *
 * @example
 * ```ts
 * const text = await openTextSource('events.ndjson.gz', { chunkBytes: 1 << 20 })
 * try { for await (const chunk of text.chunks) parse(chunk) } finally { await text.close() }
 * ```
 */
export async function openTextSource(source: ByteSource, options: OpenTextOptions = {}): Promise<TextSource> {
  checkByteSource(source)
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK
  const signal = options.signal
  throwIfAborted(signal)
  const name = sourceName(source)
  const location = sourceLocation(name)
  const compression = options.compression ?? 'auto'
  if (typeof source === 'string' || isRangeReader(source)) {
    const owned = typeof source === 'string'
    const reader = owned
      ? await openRange(source, {
          ...(options.http ?? {}),
          ...(options.s3 ? { s3: options.s3 } : {}),
          ...(signal ? { signal } : {}),
        })
      : source
    try {
      let gzip = compression === 'gzip'
      if (compression === 'auto' && reader.byteLength >= 2) {
        const magic = await reader.read(0, 2, signal)
        gzip = isGzipMagic(magic)
      }
      const raw = readRange(reader, 0, reader.byteLength, { chunkBytes, signal, onBytes: options.onBytes })
      return {
        name,
        location,
        gzip,
        reader: gzip ? undefined : reader,
        chunks: gzip ? gunzip(raw, location, chunkBytes) : raw,
        close: owned ? () => reader.close() : async () => undefined,
      }
    } catch (err) {
      if (owned) await reader.close()
      throw err
    }
  }
  const stream = streamChunks(source, location, signal, options.onBytes)
  const head = await peekHead(stream)
  const gzip = compression === 'gzip' || (compression === 'auto' && isGzipMagic(head.first))
  return {
    name,
    location,
    gzip,
    reader: undefined,
    chunks: gzip ? gunzip(head.chunks, location, chunkBytes) : head.chunks,
    close: async () => {
      await head.chunks.return(undefined)
    },
  }
}

/** True when `bytes` start with the gzip magic number (1f 8b). */
export function isGzipMagic(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b
}

/** Options of {@link readRange}. */
export interface ReadRangeOptions {
  chunkBytes: number
  signal?: AbortSignal | undefined
  onBytes?: ((bytes: number) => void) | undefined
}

/**
 * Bytes `[start, end)` of `reader` in chunks of `chunkBytes`, with the next read in flight while
 * the consumer works on a chunk. A returned generator lets the read in flight settle before it ends.
 */
export async function* readRange(
  reader: RangeReader,
  start: number,
  end: number,
  options: ReadRangeOptions,
): AsyncGenerator<Uint8Array> {
  const { chunkBytes, signal, onBytes } = options
  let next: Promise<Uint8Array> | undefined
  const request = (at: number) => {
    const p = reader.read(at, Math.min(end, at + chunkBytes), signal)
    // awaited later: a failed read must not count as unhandled while the consumer works
    p.catch(() => undefined)
    return p
  }
  try {
    let at = start
    next = at < end ? request(at) : undefined
    while (next !== undefined) {
      const chunk = await next
      next = undefined
      if (chunk.length === 0) break
      at += chunk.length
      if (at < end) next = request(at)
      onBytes?.(chunk.length)
      yield chunk
      throwIfAborted(signal)
    }
  } finally {
    await next?.catch(() => undefined)
  }
}

async function* streamChunks(
  source: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>,
  location: ErrorLocation,
  signal: AbortSignal | undefined,
  onBytes: ((bytes: number) => void) | undefined,
): AsyncGenerator<Uint8Array> {
  const iterable: AsyncIterable<unknown> =
    Symbol.asyncIterator in source ? source : readableStreamIterable(source as ReadableStream<Uint8Array>)
  try {
    for await (const chunk of iterable) {
      throwIfAborted(signal)
      const bytes = toBytes(chunk, location)
      if (bytes.length === 0) continue
      onBytes?.(bytes.length)
      yield bytes
    }
  } catch (err) {
    if (isSdError(err)) throw err
    if (signal?.aborted) throw abortErrorFrom(signal)
    throw new IoError(`Could not read the byte stream: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
      location,
    })
  }
}

async function* readableStreamIterable(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      yield value
    }
  } finally {
    await reader.cancel().catch(() => undefined)
    reader.releaseLock()
  }
}

function toBytes(chunk: unknown, location: ErrorLocation): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8')
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk)
  throw new ValidationError(`Expected the byte stream to yield Uint8Array chunks, got ${typeof chunk}`, {
    code: 'INVALID_OPTION',
    location,
  })
}

/** The first two bytes of a stream (fewer at its end) and the stream with nothing consumed. */
async function peekHead(
  stream: AsyncGenerator<Uint8Array>,
): Promise<{ first: Uint8Array; chunks: AsyncGenerator<Uint8Array> }> {
  const held: Uint8Array[] = []
  let length = 0
  while (length < 2) {
    const next = await stream.next()
    if (next.done) break
    held.push(next.value)
    length += next.value.length
  }
  const first = new Uint8Array(Math.min(2, length))
  let k = 0
  for (const chunk of held)
    for (let i = 0; i < chunk.length && k < first.length; i++) first[k++] = chunk[i] as number
  async function* replay(): AsyncGenerator<Uint8Array> {
    try {
      yield* held
      held.length = 0
      yield* stream
    } finally {
      await stream.return(undefined)
    }
  }
  return { first, chunks: replay() }
}

/** Compressed bytes fed to zlib at a time: what one step may inflate to stays bounded. */
const GUNZIP_STEP = 16 * 1024

/**
 * The gunzipped bytes of `compressed` (concatenated gzip members included). Every byte inflated
 * before a fault comes out before the error: a corrupt or truncated stream is a `FormatError` with
 * code `GZIP_CORRUPT`, `byte` counting the compressed bytes read.
 */
export async function* gunzip(
  compressed: AsyncIterable<Uint8Array>,
  location: ErrorLocation,
  chunkBytes = DEFAULT_CHUNK,
): AsyncGenerator<Uint8Array> {
  // zlib wants at least 64 bytes per output chunk
  const gz = createGunzip({ chunkSize: Math.max(1024, chunkBytes) })
  const out: Uint8Array[] = []
  let failure: unknown
  let ended = false
  let wake: (() => void) | undefined
  const signal = () => {
    const w = wake
    wake = undefined
    w?.()
  }
  gz.on('data', (chunk: Buffer) => {
    out.push(chunk)
  })
  gz.on('error', (err) => {
    failure ??= err
    signal()
  })
  gz.on('end', () => {
    ended = true
    signal()
  })
  /** Feeds `piece` and waits until zlib has inflated it (or failed). */
  const feed = (piece: Uint8Array) =>
    new Promise<void>((resolve) => {
      wake = resolve
      gz.write(piece, () => signal())
    })
  // zlib gets the stream in aligned steps, so a fault is reported at the same byte (the end of the
  // step it fell in) however the input was chunked
  let consumed = 0
  const step = new Uint8Array(GUNZIP_STEP)
  let held = 0
  const input = compressed[Symbol.asyncIterator]()
  const flush = async () => {
    await feed(step.slice(0, held))
    consumed += held
    held = 0
  }
  try {
    reading: for (;;) {
      const next = await input.next()
      if (next.done) break
      const chunk = next.value
      for (let i = 0; i < chunk.length; ) {
        const n = Math.min(GUNZIP_STEP - held, chunk.length - i)
        step.set(chunk.subarray(i, i + n), held)
        held += n
        i += n
        if (held === GUNZIP_STEP) {
          await flush()
          while (out.length > 0) yield out.shift() as Uint8Array
          if (failure !== undefined) break reading
        }
      }
    }
    if (failure === undefined && held > 0) await flush()
    if (failure === undefined && !ended) {
      await new Promise<void>((resolve) => {
        wake = resolve
        gz.end()
      })
    }
    while (out.length > 0) yield out.shift() as Uint8Array
    if (failure !== undefined) throw gzipError(failure, location, consumed)
  } finally {
    gz.destroy()
    await input.return?.(undefined)
  }
}

function gzipError(cause: unknown, location: ErrorLocation, consumed: number): unknown {
  if (isSdError(cause)) return cause
  if (systemErrorCode(cause)?.startsWith('Z_')) {
    const detail = cause instanceof Error ? cause.message : String(cause)
    return new FormatError(`Expected a complete gzip stream, got a corrupt or truncated one (${detail})`, {
      code: 'GZIP_CORRUPT',
      cause,
      location: { ...location, byte: consumed },
    })
  }
  return cause
}

/**
 * Guards a loader's passes over one source: a byte stream can be read once, so a second pass over
 * it fails with a `StateError` (`SOURCE_CONSUMED`); paths and range readers pass every time.
 */
export class OnePassGuard {
  #read = false

  /** Call at the start of each pass over `source`. */
  begin(source: ByteSource): void {
    if (!isByteStream(source)) return
    if (this.#read)
      throw new StateError('A byte stream can be read once: pass a path or a RangeReader to read it again', {
        code: 'SOURCE_CONSUMED',
      })
    this.#read = true
  }
}
