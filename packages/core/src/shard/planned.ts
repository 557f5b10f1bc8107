import { ValidationError } from '../errors.js'
import type { ReadContext } from '../pass.js'
import type { RecordBatch, Row } from '../record-batch.js'
import { checkComplete, remainingPieces, statePieces } from './elastic.js'
import type { Piece } from './pieces.js'
import { allPositionRows, epochPieces, type Level, levelsName, positionPieces } from './plan.js'
import { checkState, type DatasetState, positionOf, unitsFingerprint } from './state.js'
import { type Position, runStream, type StreamSpec } from './stream.js'
import type { DataUnit, UnitPassSource } from './units.js'

/** Options of `dataset.shard()`. */
export interface ShardOptions {
  /** This process's rank. Default: the `RANK` environment variable (as torchrun sets it), else 0. */
  rank?: number
  /** Number of ranks. Default: `WORLD_SIZE`, else 1. */
  worldSize?: number
  /**
   * Make every rank yield the same number of rows, hence of batches, so collective steps never
   * wait on a rank that ran dry: `'drop'` cuts every rank to the shortest rank's count, `'pad'`
   * tops every rank up to the longest rank's count by repeating the epoch's first rows. Needs every
   * unit's row count (footers know them; text formats count them with a scan).
   */
  equalize?: 'drop' | 'pad'
}

/** Options of `dataset.shuffle()`. */
export interface ShuffleOptions {
  /** The seed: the same seed gives the same order on every machine. */
  seed: number
  /** Rows shuffled together (a block permuted at once; bounds memory). Default 10,000. */
  bufferSize?: number
}

/** How a planned dataset splits and orders its units. */
export interface PlanSpec {
  levels: Level[]
  equalize: 'drop' | 'pad' | undefined
  shuffle: { seed: number; bufferSize: number } | undefined
}

/** The plan of a dataset that was never sharded nor shuffled. */
export const NO_PLAN: PlanSpec = { levels: [], equalize: undefined, shuffle: undefined }

/** `spec` with one more level of sharding. */
export function withShard(
  spec: PlanSpec,
  options: ShardOptions,
  env: NodeJS.ProcessEnv = process.env,
): PlanSpec {
  const rank = options.rank ?? envInt(env, 'RANK') ?? 0
  const worldSize = options.worldSize ?? envInt(env, 'WORLD_SIZE') ?? 1
  if (!Number.isSafeInteger(worldSize) || worldSize < 1)
    throw new ValidationError(`worldSize must be a positive integer, got ${worldSize}`, {
      code: 'INVALID_OPTION',
    })
  if (!Number.isSafeInteger(rank) || rank < 0 || rank >= worldSize)
    throw new ValidationError(`rank must be an integer in [0, ${worldSize}), got ${rank}`, {
      code: 'INVALID_OPTION',
    })
  const equalize = options.equalize ?? spec.equalize
  if (equalize !== undefined && equalize !== 'drop' && equalize !== 'pad')
    throw new ValidationError(`equalize must be 'drop' or 'pad', got ${String(equalize)}`, {
      code: 'INVALID_OPTION',
    })
  return { ...spec, levels: [...spec.levels, { rank, worldSize }], equalize }
}

/** `spec` with a seeded shuffle. */
export function withShuffle(spec: PlanSpec, options: ShuffleOptions): PlanSpec {
  const { seed } = options
  const bufferSize = options.bufferSize ?? 10_000
  if (!Number.isSafeInteger(seed))
    throw new ValidationError(`seed must be an integer, got ${String(seed)}`, { code: 'INVALID_OPTION' })
  if (!Number.isSafeInteger(bufferSize) || bufferSize < 1)
    throw new ValidationError(`bufferSize must be a positive integer, got ${bufferSize}`, {
      code: 'INVALID_OPTION',
    })
  return { ...spec, shuffle: { seed, bufferSize } }
}

function envInt(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name]
  if (raw === undefined || raw === '') return undefined
  const value = Number(raw)
  if (!Number.isSafeInteger(value))
    throw new ValidationError(
      `The environment variable ${name} must be an integer, got ${JSON.stringify(raw)}`,
      {
        code: 'INVALID_OPTION',
      },
    )
  return value
}

/**
 * The mutable side of a planned dataset: its epoch, the checkpoint the next pass resumes from,
 * and where the consumer stands.
 */
export class PlanControl {
  readonly spec: PlanSpec
  #epoch = 0
  #pending: DatasetState[] | undefined
  #state: DatasetState | undefined
  /** Row counts learned by scanning units (for equalize), by fingerprint and unit. */
  readonly counted = new Map<string, number[]>()

  constructor(spec: PlanSpec) {
    this.spec = spec
  }

  get epoch(): number {
    return this.#epoch
  }

  setEpoch(epoch: number): void {
    if (!Number.isSafeInteger(epoch) || epoch < 0)
      throw new ValidationError(`epoch must be a non-negative integer, got ${epoch}`, {
        code: 'INVALID_OPTION',
      })
    this.#epoch = epoch
    this.#pending = undefined
    this.#state = undefined
  }

  /** Where the consumer stands: after the last batch it received, else where the next pass starts. */
  state(): DatasetState {
    if (this.#state !== undefined) return this.#state
    const pending = this.#pending
    if (pending?.length === 1) return pending[0] as DatasetState
    return {
      ...this.header(null, null),
      generation: 'epoch',
      stream: levelsName(this.spec.levels),
      rows: 0,
      cursor: [0, 0],
    }
  }

  resume(value: DatasetState | readonly DatasetState[]): void {
    const states = (Array.isArray(value) ? value : [value]).map(checkState)
    if (states.length === 0)
      throw new ValidationError('resume needs at least one state', { code: 'INVALID_STATE' })
    const first = states[0] as DatasetState
    const shuffle = this.spec.shuffle
    const mismatch =
      (shuffle?.seed ?? 0) !== first.seed ||
      (shuffle?.bufferSize ?? 0) !== first.bufferSize ||
      (this.spec.equalize ?? null) !== first.equalize
    if (mismatch) {
      throw new ValidationError(
        `The state was taken with seed ${first.seed}, bufferSize ${first.bufferSize}, equalize ${String(first.equalize)}; this dataset has seed ${shuffle?.seed ?? 0}, bufferSize ${shuffle?.bufferSize ?? 0}, equalize ${String(this.spec.equalize ?? null)}`,
        { code: 'INVALID_STATE' },
      )
    }
    this.#epoch = first.epoch
    // a state taken before any pass is the start of its epoch, wherever it was taken
    this.#pending = states.length === 1 && first.fingerprint === null && first.rows === 0 ? undefined : states
    this.#state = undefined
  }

  /** The checkpoint the next pass resumes from (once). */
  takePending(): DatasetState[] | undefined {
    const pending = this.#pending
    this.#pending = undefined
    this.#state = undefined
    return pending
  }

  update(state: DatasetState): void {
    this.#state = state
  }

  header(fingerprint: string | null, units: number | null, shuffleUnits = this.spec.shuffle !== undefined) {
    return {
      format: 'sd-dataset-state' as const,
      version: 1 as const,
      fingerprint,
      units,
      epoch: this.#epoch,
      seed: this.spec.shuffle?.seed ?? 0,
      bufferSize: this.spec.shuffle?.bufferSize ?? 0,
      shuffleUnits,
      levels: this.spec.levels.map((l) => ({ ...l })),
      equalize: this.spec.equalize ?? null,
    }
  }
}

/**
 * One pass of a planned dataset: the units listed, this position's pieces worked out (fresh, from
 * a checkpoint, or from every rank's checkpoints after a change of worldSize), read through the
 * source's read-ahead and statistics, and each batch handed to the consumer with the state after
 * it (`control.state()` follows what the consumer received, not what was read ahead).
 */
export function openPlanned<R extends Row>(
  source: UnitPassSource<R>,
  control: PlanControl,
  signal: AbortSignal | undefined,
): AsyncIterator<RecordBatch<R>> {
  const states = new WeakMap<RecordBatch<R>, DatasetState>()
  const pending = control.takePending()
  const read = async function* (ctx: ReadContext): AsyncGenerator<RecordBatch<R>> {
    const listed = await source.listUnits(ctx.signal)
    const fingerprint = unitsFingerprint(listed)
    const plan = await planPass(source, control, listed, fingerprint, pending, ctx.signal)
    const { spec, header, start } = plan
    const reader = { source, units: plan.units, ctx }
    for await (const [batch, position] of runStream(reader, spec, start, source.batchSize)) {
      states.set(batch, stateAt(header, position))
      yield batch
    }
  }
  const it = source.pass(read, signal)[Symbol.asyncIterator]()
  const seen = (result: IteratorResult<RecordBatch<R>>) => {
    if (!result.done) {
      const state = states.get(result.value)
      if (state !== undefined) control.update(state)
    }
    return result
  }
  return {
    next: () => it.next().then(seen),
    return: (value?: unknown) => it.return?.(value) ?? Promise.resolve({ done: true, value: undefined }),
    throw: (err?: unknown) => it.throw?.(err) ?? Promise.reject(err),
  }
}

type Header = Omit<DatasetState, 'rows' | 'cursor' | 'block' | 'pad'>

function stateAt(header: Header, position: Position): DatasetState {
  const state: DatasetState = { ...header, rows: position.rows, cursor: position.cursor }
  if (position.block !== undefined) state.block = position.block
  if (position.pad !== undefined) state.pad = position.pad
  return state
}

interface PassPlan {
  spec: StreamSpec
  header: Header
  start: Position
  units: readonly DataUnit[]
}

async function planPass<R extends Row>(
  source: UnitPassSource<R>,
  control: PlanControl,
  listed: readonly DataUnit[],
  fingerprint: string,
  pending: DatasetState[] | undefined,
  signal: AbortSignal,
): Promise<PassPlan> {
  const { levels, equalize, shuffle } = control.spec
  const order =
    shuffle === undefined || source.sequential ? undefined : { seed: shuffle.seed, epoch: control.epoch }
  // equalizing weighs units by their exact rows, so every rank needs them before splitting
  const units =
    equalize === undefined ? listed : await withRowCounts(source, control, listed, fingerprint, signal)
  let stored: DatasetState | undefined
  if (pending !== undefined) {
    for (const s of pending) {
      if (s.fingerprint !== null && s.fingerprint !== fingerprint) {
        throw new ValidationError(
          `The state was taken over other data: ${s.units} units (fingerprint ${s.fingerprint}), now ${listed.length} (fingerprint ${fingerprint})`,
          { code: 'STATE_MISMATCH' },
        )
      }
    }
    const name = levelsName(levels)
    const sameShape = (s: DatasetState) =>
      s.levels.length === levels.length && s.levels.every((l, i) => l.worldSize === levels[i]?.worldSize)
    stored = pending.every(sameShape) ? pending.find((s) => levelsName(s.levels) === name) : undefined
    if (stored === undefined) checkComplete(pending)
  }
  let all: Piece[]
  let mine: Piece[]
  let generation = 'epoch'
  let start: Position = { rows: 0, cursor: [0, 0] }
  if (stored !== undefined) {
    generation = stored.generation
    all = stored.pieces ?? epochPieces(units.length, order)
    mine = statePieces(stored, units)
    start = positionOf(stored)
  } else if (pending !== undefined) {
    const remaining = remainingPieces(pending, units)
    all = remaining.pieces
    generation = remaining.generation
    mine = positionPieces(all, units, levels)
  } else {
    all = epochPieces(units.length, order)
    mine = positionPieces(all, units, levels)
  }
  const elastic = generation !== 'epoch'
  const stream = elastic ? `${generation}:${levelsName(levels)}` : levelsName(levels)
  let target = stored?.target
  if (equalize !== undefined && target === undefined) {
    const rows = allPositionRows(all, units, levels) ?? []
    target = equalize === 'drop' ? Math.min(...rows) : Math.max(...rows)
  }
  const header: Header = {
    ...control.header(fingerprint, listed.length, order !== undefined),
    generation,
    stream,
  }
  if (target !== undefined) header.target = target
  if (elastic) header.pieces = mine
  return {
    spec: {
      pieces: mine,
      stream,
      seed: shuffle?.seed ?? 0,
      epoch: control.epoch,
      bufferSize: shuffle?.bufferSize ?? 0,
      limit: equalize === 'drop' ? target : undefined,
      pad:
        equalize === 'pad' && target !== undefined
          ? { target, pieces: epochPieces(units.length, order) }
          : undefined,
    },
    header,
    start,
    units,
  }
}

/** `units` with every row count known, scanning (once per dataset) the units that lack one. */
async function withRowCounts<R extends Row>(
  source: UnitPassSource<R>,
  control: PlanControl,
  units: readonly DataUnit[],
  fingerprint: string,
  signal: AbortSignal,
): Promise<readonly DataUnit[]> {
  if (units.every((u) => u.rows !== undefined)) return units
  let counts = control.counted.get(fingerprint)
  if (counts === undefined) {
    const countRows = source.countRows?.bind(source)
    if (countRows === undefined) {
      throw new ValidationError(
        'equalize needs the row count of every unit, and this source neither knows them nor can count them',
        { code: 'ROWS_UNKNOWN' },
      )
    }
    counts = []
    for (const unit of units) counts.push(unit.rows ?? (await countRows(unit, signal)))
    control.counted.set(fingerprint, counts)
  }
  const known = counts
  return units.map((u, i) => ({ ...u, rows: known[i] }))
}
