import { ValidationError } from '../errors.js'
import type { Cursor, Piece } from './pieces.js'
import type { Level } from './plan.js'
import { digest } from './random.js'
import type { BlockPosition, Position } from './stream.js'
import type { DataUnit } from './units.js'

/**
 * Where a sharded or shuffled dataset stands: a small JSON-serializable cursor that
 * `dataset.resume(state)` continues from, so that the rows before the checkpoint followed by the
 * rows after equal one uninterrupted pass (shuffle included). Treat it as opaque; its fields are
 * documented for the curious.
 */
export interface DatasetState {
  format: 'sd-dataset-state'
  version: 1
  /** Digest of the unit list (ids, rows, bytes); `null` before a pass has listed the units. */
  fingerprint: string | null
  /** Number of units; `null` before a pass has listed them. */
  units: number | null
  epoch: number
  /** Seed of the shuffle (0 without one). */
  seed: number
  /** Rows per shuffle block (0: rows in order). */
  bufferSize: number
  /** True when the unit order is a permutation of `(seed, epoch)`. */
  shuffleUnits: boolean
  /** This process's place: rank among ranks, then thread among a rank's threads... */
  levels: Level[]
  equalize: 'drop' | 'pad' | null
  /** Rows every position yields this epoch when equalizing. */
  target?: number
  /** Names the plan the state belongs to: `epoch` for a plain epoch, a digest after an elastic resume. */
  generation: string
  /** Names this position's stream (shuffle blocks derive their keys from it). */
  stream: string
  /** This position's pieces, after an elastic resume (otherwise computed from the unit list). */
  pieces?: Piece[]
  /** Rows of this position's stream delivered so far. */
  rows: number
  /** Where reading resumes: the next row, or the first row of the shuffle block under way. */
  cursor: Cursor
  /** The shuffle block under way. */
  block?: BlockPosition
  /** Padding rows delivered (once the stream's own rows are out). */
  pad?: number
}

/** The fingerprint of a unit list. */
export function unitsFingerprint(units: readonly DataUnit[]): string {
  return digest(units.map((u) => `${u.id}\u0000${u.rows ?? ''}\u0000${u.bytes ?? ''}`).join('\u0001'))
}

/** The position part of a state. */
export function positionOf(state: DatasetState): Position {
  const position: Position = { rows: state.rows, cursor: [state.cursor[0], state.cursor[1]] }
  if (state.block !== undefined) position.block = state.block
  if (state.pad !== undefined) position.pad = state.pad
  return position
}

/** Checks the shape of what `resume` was given (a `ValidationError` `INVALID_STATE` says what is wrong). */
export function checkState(value: unknown): DatasetState {
  const s = value as Partial<DatasetState> | null
  const bad = (what: string): never => {
    throw new ValidationError(`Expected a dataset state from state(): ${what}`, { code: 'INVALID_STATE' })
  }
  if (s === null || typeof s !== 'object') return bad(`got ${String(value)}`)
  if (s.format !== 'sd-dataset-state') return bad(`format is ${JSON.stringify(s.format)}`)
  if (s.version !== 1) return bad(`version ${String(s.version)} is not 1`)
  const count = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
  for (const key of ['epoch', 'seed', 'bufferSize', 'rows'] as const)
    if (!count(s[key]) && key !== 'seed') bad(`${key} is ${String(s[key])}`)
  if (typeof s.seed !== 'number' || !Number.isSafeInteger(s.seed)) bad(`seed is ${String(s.seed)}`)
  if (
    !Array.isArray(s.levels) ||
    s.levels.some((l) => !count(l?.rank) || !count(l?.worldSize) || l.rank >= l.worldSize || l.worldSize < 1)
  )
    bad('levels are not a list of { rank, worldSize }')
  if (!Array.isArray(s.cursor) || s.cursor.length !== 2 || !s.cursor.every(count))
    bad('cursor is not [piece, offset]')
  if (typeof s.stream !== 'string' || typeof s.generation !== 'string') bad('stream or generation missing')
  return s as DatasetState
}
