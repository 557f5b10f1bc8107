import type { ErrorLocation } from '../errors.js'

/** An error crossing a thread boundary: its class name, code, message and location. */
export interface ErrorMessage {
  name: string
  code: string
  /** The message without the location suffix the constructor adds. */
  message: string
  location?: ErrorLocation
  /** HTTP status of a network error. */
  status?: number
}

/** What the pool sends a worker. */
export type ToWorker =
  /** Run `task`; send at most `window` items before credits arrive. */
  | { type: 'task'; id: number; task: unknown; window: number }
  /** The consumer took `n` items of task `id`: that many more may be sent. */
  | { type: 'credit'; id: number; n: number }
  /** Stop task `id` (its consumer left); no reply is expected. */
  | { type: 'cancel'; id: number }

/** What a worker sends the pool. */
export type FromWorker =
  /** The worker's module has loaded and it takes tasks (sent once, first). */
  | { type: 'ready' }
  | { type: 'item'; id: number; value: unknown }
  | { type: 'done'; id: number }
  | { type: 'error'; id: number; error: ErrorMessage }
