/** Seeded mutations of a Parquet file's footer, page headers and page data, for the fuzz test. */
import { footerOf, pageHeaders } from './corrupt.js'

/** A small seeded generator (mulberry32): the same seed gives the same mutations. */
export function random(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Where a mutation may land. */
export type Region = 'footer' | 'page-header' | 'page-data'

/** Byte ranges of each region of a file. */
export function regions(bytes: Uint8Array): Record<Region, [number, number][]> {
  const { start, metadata } = footerOf(bytes)
  const headers: [number, number][] = []
  const data: [number, number][] = []
  metadata.row_groups.forEach((group, g) => {
    group.columns.forEach((_, c) => {
      for (const page of pageHeaders(bytes, g, c)) {
        headers.push([page.start, page.end])
        data.push([page.end, page.end + page.header.compressed_page_size])
      }
    })
  })
  // the footer's thrift bytes (its length and the trailing PAR1 left alone)
  return { footer: [[start, bytes.length - 8]], 'page-header': headers, 'page-data': data }
}

/** A data page's bytes (after its header) and the column it belongs to. */
export interface DataPage {
  start: number
  end: number
  column: string
  /** The chunk's statistics say it holds no null. */
  nullFree: boolean
}

/** Every page's data bytes, with its column. */
export function dataPages(bytes: Uint8Array): DataPage[] {
  const { metadata } = footerOf(bytes)
  const out: DataPage[] = []
  metadata.row_groups.forEach((group, g) => {
    group.columns.forEach((chunk, c) => {
      const column = chunk.meta_data?.path_in_schema.join('.') ?? ''
      const nullFree = chunk.meta_data?.statistics?.null_count === 0n
      for (const page of pageHeaders(bytes, g, c)) {
        out.push({ start: page.end, end: page.end + page.header.compressed_page_size, column, nullFree })
      }
    })
  })
  return out
}

/** A copy of `bytes` with 1 to 3 bytes of `region` changed (a bit flipped, a byte set, a byte zeroed). */
export function mutate(
  bytes: Uint8Array,
  ranges: [number, number][],
  next: () => number,
): { bytes: Uint8Array; what: string; at: number[] } {
  const out = bytes.slice()
  const changes: string[] = []
  const positions: number[] = []
  const n = 1 + Math.floor(next() * 3)
  for (let k = 0; k < n; k++) {
    const [from, to] = ranges[Math.floor(next() * ranges.length)] as [number, number]
    const at = from + Math.floor(next() * (to - from))
    const kind = Math.floor(next() * 3)
    const before = out[at] as number
    out[at] = kind === 0 ? before ^ (1 << Math.floor(next() * 8)) : kind === 1 ? Math.floor(next() * 256) : 0
    changes.push(`byte ${at}: ${before} -> ${out[at]}`)
    positions.push(at)
  }
  return { bytes: out, what: changes.join(', '), at: positions }
}
