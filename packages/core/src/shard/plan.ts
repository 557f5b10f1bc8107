import { type Piece, pieceRows, pieceWeight } from './pieces.js'
import { permutation } from './random.js'
import type { DataUnit } from './units.js'

/** One level of sharding: this process's place among `worldSize` (ranks, then threads of a rank...). */
export interface Level {
  rank: number
  worldSize: number
}

/** The key the unit order of an epoch is drawn from. */
export function orderKey(seed: number, epoch: number): string {
  return `sd-order:${seed}:${epoch}`
}

/** The key of shuffle block `index` of a stream. */
export function blockKey(seed: number, epoch: number, stream: string, index: number): string {
  return `sd-block:${seed}:${epoch}:${stream}:${index}`
}

/** Every unit once, whole, in the epoch's order: a permutation of `(seed, epoch)` when shuffled. */
export function epochPieces(unitCount: number, order: { seed: number; epoch: number } | undefined): Piece[] {
  if (order === undefined) return Array.from({ length: unitCount }, (_, unit) => ({ unit, start: 0 }))
  return Array.from(permutation(unitCount, orderKey(order.seed, order.epoch)), (unit) => ({ unit, start: 0 }))
}

/**
 * Splits pieces among `worldSize` parts, keeping their order within each part: each piece goes to
 * the part with the least weight so far (the lowest rank on a tie). No coordinator: every rank
 * computes the same split. The heaviest and lightest parts differ by at most one piece's weight.
 */
export function assign(pieces: readonly Piece[], units: readonly DataUnit[], worldSize: number): Piece[][] {
  const parts: Piece[][] = Array.from({ length: worldSize }, () => [])
  const loads = new Float64Array(worldSize)
  for (const piece of pieces) {
    let best = 0
    for (let r = 1; r < worldSize; r++) if ((loads[r] as number) < (loads[best] as number)) best = r
    ;(parts[best] as Piece[]).push(piece)
    loads[best] = (loads[best] as number) + pieceWeight(piece, units)
  }
  return parts
}

/** The pieces of one position, level by level. */
export function positionPieces(
  pieces: readonly Piece[],
  units: readonly DataUnit[],
  levels: readonly Level[],
): Piece[] {
  let mine = [...pieces]
  for (const level of levels) mine = assign(mine, units, level.worldSize)[level.rank] as Piece[]
  return mine
}

/** The row count of every position (every rank at every level), or undefined when a count is unknown. */
export function allPositionRows(
  pieces: readonly Piece[],
  units: readonly DataUnit[],
  levels: readonly Level[],
): number[] | undefined {
  let groups: Piece[][] = [[...pieces]]
  for (const level of levels) groups = groups.flatMap((group) => assign(group, units, level.worldSize))
  const out: number[] = []
  for (const group of groups) {
    let total = 0
    for (const piece of group) {
      const rows = pieceRows(piece, units)
      if (rows === undefined) return undefined
      total += rows
    }
    out.push(total)
  }
  return out
}

/** `levels` as text, e.g. `1/4.0/2` (rank 1 of 4, thread 0 of 2). */
export function levelsName(levels: readonly Level[]): string {
  return levels.map((l) => `${l.rank}/${l.worldSize}`).join('.') || '0/1'
}
