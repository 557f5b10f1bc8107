import {
  AbortError,
  AuthError,
  type ErrorLocation,
  FormatError,
  formatLocation,
  IoError,
  isSdError,
  NetworkError,
  NotFoundError,
  SdError,
  StateError,
  UnsupportedError,
  ValidationError,
} from '../errors.js'
import type { ErrorMessage } from './protocol.js'

/** An error as plain data for `postMessage` (a non-`SdError` keeps its name and message). */
export function errorToMessage(err: unknown): ErrorMessage {
  if (isSdError(err)) {
    const location = err.location
    const suffix = location ? ` (at ${formatLocation(location)})` : ''
    const message =
      suffix && err.message.endsWith(suffix) ? err.message.slice(0, -suffix.length) : err.message
    const out: ErrorMessage = { name: err.name, code: err.code, message }
    if (location) out.location = { ...location }
    const status = (err as { status?: unknown }).status
    if (typeof status === 'number') out.status = status
    return out
  }
  const e = err instanceof Error ? err : new Error(String(err))
  return { name: e.name, code: '', message: e.message }
}

type SdErrorClass = new (message: string, options: { code?: string; location?: ErrorLocation }) => SdError

const CLASSES: Record<string, SdErrorClass> = {
  SdError,
  NotFoundError,
  FormatError,
  ValidationError,
  UnsupportedError,
  StateError,
  IoError,
  AbortError: AbortError as SdErrorClass,
}

/**
 * The `SdError` an {@link errorToMessage} message stands for: the same class (by name), code,
 * message and location. A message of a plain error (no code) comes back as `undefined`.
 */
export function errorFromMessage(m: ErrorMessage): SdError | undefined {
  if (!m.code) return undefined
  const options: { code: string; location?: ErrorLocation; status?: number } = { code: m.code }
  if (m.location) options.location = m.location
  if (m.name === 'NetworkError' || m.name === 'AuthError') {
    if (m.status !== undefined) options.status = m.status
    return m.name === 'NetworkError'
      ? new NetworkError(m.message, options)
      : new AuthError(m.message, options)
  }
  const Class = CLASSES[m.name] ?? SdError
  return new Class(m.message, options)
}
