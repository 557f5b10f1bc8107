import { stat } from 'node:fs/promises'
import * as dagCbor from '@ipld/dag-cbor'
import type { Manifest } from '@sd/car'
import type { Field } from '@sd/core'
import type { Location } from '../formats.js'
import { withProgress } from '../progress.js'

const CODECS: Record<number, string> = { 85: 'raw', 112: 'dag-pb', 113: 'dag-cbor' }

/** Blocks of one codec. */
export interface BlockCount {
  codec: string
  blocks: number
  bytes: number
  largest: number
}

/** A saved @sd/knn index, from its manifest. */
export interface KnnIndexSummary {
  kind: string
  dimension: number
  metric: string
  rows: number
  removed: number
  nlist: number | undefined
}

/** One column of a batch-layout CAR, over all its batches. */
export interface StoredColumnSummary {
  name: string
  type: string
  nulls: number
  min: number | bigint | undefined
  max: number | bigint | undefined
}

/** What `sd inspect` says about a CAR. */
export interface CarReport {
  format: 'car'
  source: string
  sizeBytes: number | undefined
  roots: string[]
  /** `dataset` (an sd manifest, either layout), `knn-index`, or `other`. */
  content: 'dataset' | 'knn-index' | 'other'
  layout: 'file' | 'batches' | undefined
  rows: number | undefined
  schema: Field[] | undefined
  manifest: Record<string, unknown> | undefined
  columns: StoredColumnSummary[] | undefined
  index: KnnIndexSummary | undefined
  blocks: { total: number; bytes: number; byCodec: BlockCount[] }
}

/** Opens a CAR (file, URL or gateway URL): roots, what the root holds, and its blocks by codec. */
export async function inspectCar(location: Location, quiet: boolean): Promise<CarReport> {
  const { openCar } = await import('@sd/car')
  const car = await openCar(location.raw)
  try {
    const sizeBytes = location.kind === 'file' ? (await stat(location.raw)).size : undefined
    const report: CarReport = {
      format: 'car',
      source: location.raw,
      sizeBytes,
      roots: car.roots.map(String),
      content: 'other',
      layout: undefined,
      rows: undefined,
      schema: undefined,
      manifest: undefined,
      columns: undefined,
      index: undefined,
      blocks: { total: 0, bytes: 0, byCodec: [] },
    }
    const root = car.roots[0]
    if (root?.code === 0x71) {
      const value = dagCbor.decode(await car.get(root)) as Record<string, unknown> | null
      if (value?.format === 'sd-knn-index') {
        report.content = 'knn-index'
        report.index = knnSummary(value)
      } else if (value?.type === 'sd/dataset') {
        describeManifest(report, await car.manifest())
      }
    }
    const byCodec = new Map<string, BlockCount>()
    const progress = { totalBytes: sizeBytes, quiet, poll: () => ({ bytes: report.blocks.bytes }) }
    await withProgress(`reading ${location.raw}`, progress, async () => {
      for await (const block of car.blocks()) {
        const codec = CODECS[block.cid.code] ?? `0x${block.cid.code.toString(16)}`
        let c = byCodec.get(codec)
        if (!c) {
          c = { codec, blocks: 0, bytes: 0, largest: 0 }
          byCodec.set(codec, c)
        }
        c.blocks++
        c.bytes += block.bytes.length
        c.largest = Math.max(c.largest, block.bytes.length)
        report.blocks.total++
        report.blocks.bytes += block.bytes.length
      }
    })
    report.blocks.byCodec = [...byCodec.values()]
    return report
  } finally {
    await car.close()
  }
}

function describeManifest(report: CarReport, manifest: Manifest): void {
  report.content = 'dataset'
  report.layout = manifest.layout
  report.rows = manifest.numRows
  report.schema = manifest.schema
  if (manifest.layout === 'file') {
    report.manifest = {
      name: manifest.name,
      format: manifest.format,
      profile: manifest.profile,
      file: manifest.file.toString(),
      byteLength: manifest.byteLength,
      sha256: manifest.sha256,
      batches: manifest.batches.length,
    }
    return
  }
  report.manifest = { batches: manifest.batches.length }
  report.columns = manifest.schema.map((field, c) => {
    const summary: StoredColumnSummary = {
      name: field.name,
      type: field.type,
      nulls: 0,
      min: undefined,
      max: undefined,
    }
    for (const batch of manifest.batches) {
      const s = batch.stats[c]
      if (!s) continue
      summary.nulls += s.nulls
      if (s.min !== undefined && (summary.min === undefined || s.min < summary.min)) summary.min = s.min
      if (s.max !== undefined && (summary.max === undefined || s.max > summary.max)) summary.max = s.max
    }
    return summary
  })
}

function knnSummary(m: Record<string, unknown>): KnnIndexSummary {
  const ivf = m.ivf as { nlist?: unknown } | undefined
  return {
    kind: String(m.kind),
    dimension: Number(m.dimension),
    metric: String(m.metric),
    rows: Number(m.rows),
    removed: Number(m.removedCount ?? 0),
    nlist: ivf && typeof ivf.nlist === 'number' ? ivf.nlist : undefined,
  }
}
