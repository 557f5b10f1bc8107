import { ValidationError } from '../errors.js'
import { limitPieces, type Piece, slicePieces } from './pieces.js'
import { blockKey, epochPieces, type Level, levelsName, positionPieces } from './plan.js'
import { digest } from './random.js'
import type { DatasetState } from './state.js'
import type { DataUnit } from './units.js'

/** The pieces a position of a state's plan reads this epoch. */
export function statePieces(state: DatasetState, units: readonly DataUnit[]): Piece[] {
  if (state.pieces !== undefined) return state.pieces
  const order = state.shuffleUnits ? { seed: state.seed, epoch: state.epoch } : undefined
  return positionPieces(epochPieces(units.length, order), units, state.levels)
}

/**
 * Checks that `states` are the states of every position of one plan (same epoch, seed, shuffle,
 * data and plan; each position once), so that what they have left is all that is left.
 */
export function checkComplete(states: readonly DatasetState[]): void {
  const first = states[0]
  if (first === undefined)
    throw new ValidationError('resume needs at least one state', { code: 'INVALID_STATE' })
  for (const s of states) {
    const same =
      s.epoch === first.epoch &&
      s.seed === first.seed &&
      s.bufferSize === first.bufferSize &&
      s.shuffleUnits === first.shuffleUnits &&
      s.generation === first.generation &&
      s.fingerprint === first.fingerprint &&
      s.levels.length === first.levels.length &&
      s.levels.every((l, i) => l.worldSize === first.levels[i]?.worldSize)
    if (!same) {
      throw new ValidationError(
        `The states to resume from belong to different plans: ${describe(first)} and ${describe(s)}`,
        { code: 'INVALID_STATE' },
      )
    }
  }
  const expected = first.levels.reduce((n, l) => n * l.worldSize, 1)
  const seen = new Set(states.map((s) => levelsName(s.levels)))
  if (seen.size !== states.length) {
    throw new ValidationError('Two of the states to resume from are of the same position', {
      code: 'INVALID_STATE',
    })
  }
  if (seen.size !== expected) {
    const missing: string[] = []
    for (const name of allPositions(first.levels)) if (!seen.has(name)) missing.push(name)
    throw new ValidationError(
      `Resuming with another worldSize needs the states of every position of the plan: ${states.length} of ${expected} given, missing ${missing.join(', ')}`,
      { code: 'INCOMPLETE_STATES' },
    )
  }
}

/**
 * What the positions of `states` have not yet delivered, as pieces (in position order): each
 * position's shuffle block under way (its rows not yet out), then the rest of its pieces, cut at
 * the rows its plan would have dropped. Padding is not carried over.
 */
export function remainingPieces(
  states: readonly DatasetState[],
  units: readonly DataUnit[],
): { pieces: Piece[]; generation: string } {
  const sorted = [...states].sort((a, b) => compareLevels(a.levels, b.levels))
  const pieces: Piece[] = []
  for (const s of sorted) {
    if (s.pad !== undefined) continue
    const base = statePieces(s, units)
    let rest: Piece[]
    if (s.block !== undefined) {
      const block: Piece = {
        parts: slicePieces(base, s.cursor, s.block.end),
        key: blockKey(s.seed, s.epoch, s.stream, s.block.index),
        rows: s.block.rows,
        from: s.block.emitted,
        to: s.block.rows,
      }
      rest = [block, ...slicePieces(base, s.block.end)]
    } else {
      rest = slicePieces(base, s.cursor)
    }
    if (s.equalize === 'drop' && s.target !== undefined)
      rest = limitPieces(rest, Math.max(0, s.target - s.rows), units)
    pieces.push(...rest)
  }
  const generation = digest(
    sorted.map((s) => `${s.generation}|${s.stream}|${s.rows}|${s.cursor}|${s.pad ?? ''}`).join(';'),
  )
  return { pieces, generation }
}

function compareLevels(a: readonly Level[], b: readonly Level[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const d = (a[i]?.rank ?? 0) - (b[i]?.rank ?? 0)
    if (d !== 0) return d
  }
  return a.length - b.length
}

function allPositions(levels: readonly Level[]): string[] {
  let names: Level[][] = [[]]
  for (const level of levels) {
    names = names.flatMap((prefix) =>
      Array.from({ length: level.worldSize }, (_, rank) => [...prefix, { rank, worldSize: level.worldSize }]),
    )
  }
  return names.map(levelsName)
}

function describe(s: DatasetState): string {
  return `epoch ${s.epoch}, seed ${s.seed}, bufferSize ${s.bufferSize}, plan ${s.generation}, worldSize ${s.levels.map((l) => l.worldSize).join('x')}`
}
