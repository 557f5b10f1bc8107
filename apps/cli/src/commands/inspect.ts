import { type Field, isoDate, isoTimestamp } from '@sd/core'
import { typeDetail } from '../cells.js'
import { UsageError } from '../errors.js'
import { checkVectorDimension, locate } from '../formats.js'
import { fields, jsonText, print, table } from '../output.js'
import { formatBytes, formatCount } from '../units.js'
import { type CarReport, inspectCar } from './inspect-car.js'
import { inspectText, inspectVectors, type TextReport, type VectorsReport } from './inspect-other.js'
import { inspectParquet, type ParquetReport } from './inspect-parquet.js'

/** Options of `sd inspect`. */
export interface InspectOptions {
  from?: string
  dimension?: number
  delimiter?: string
  json?: boolean
  quiet?: boolean
}

type Report = ParquetReport | TextReport | VectorsReport | CarReport

/** `sd inspect <file|url>`: format, size, rows, schema, and what each format adds. */
export async function inspect(source: string, options: InspectOptions): Promise<void> {
  const location = locate(source, options.from, '--from')
  const quiet = options.quiet === true
  let report: Report
  switch (location.format) {
    case 'parquet':
      report = await inspectParquet(source)
      break
    case 'csv':
    case 'ndjson':
    case 'json':
      report = await inspectText(location, quiet, options.delimiter)
      break
    case 'vectors':
      if (location.kind !== 'file') throw new UsageError('Vector files are inspected from a local path')
      checkVectorDimension(source, options.dimension)
      report = await inspectVectors(source, options.dimension)
      break
    case 'car':
      report = await inspectCar(location, quiet)
      break
    case 'hf':
      throw new UsageError(
        'sd inspect reads files and URLs; for a Hugging Face dataset use sd head hf:org/name',
      )
  }
  print(options.json ? jsonText(report) : render(report))
}

function render(report: Report): string {
  switch (report.format) {
    case 'parquet':
      return renderParquet(report)
    case 'csv':
    case 'ndjson':
    case 'json':
      return [
        fields([
          ['source', report.source],
          ['format', report.format],
          ['size', size(report.sizeBytes)],
          ['rows', formatCount(report.rows)],
          ['columns', report.schema.length],
        ]),
        schemaTable(report.schema),
      ].join('\n\n')
    case 'vectors':
      return fields([
        ['source', report.source],
        ['format', `vectors (${report.fileFormat}, ${report.dtype})`],
        ['size', size(report.sizeBytes)],
        ['dimension', report.dimension],
        ['count', formatCount(report.count)],
        ['data offset', report.dataOffset],
      ])
    case 'car':
      return renderCar(report)
  }
}

function renderParquet(r: ParquetReport): string {
  const head = fields([
    ['source', r.source],
    ['format', 'parquet'],
    ['size', size(r.sizeBytes)],
    ['rows', formatCount(r.rows)],
    ['files', r.files > 1 ? r.files : undefined],
    ['row groups', r.rowGroups.length],
    ['created by', r.createdBy],
  ])
  const groups = table(
    ['row group', ...(r.files > 1 ? ['file'] : []), 'rows', 'compressed', 'uncompressed'],
    r.rowGroups.map((g) => [
      String(g.index),
      ...(r.files > 1 ? [g.file] : []),
      formatCount(g.rows),
      formatBytes(g.compressedBytes),
      formatBytes(g.uncompressedBytes),
    ]),
    ['right', ...(r.files > 1 ? ['left' as const] : []), 'right', 'right', 'right'],
  )
  const typeOf = new Map(r.schema.map((f) => [f.name, f.type]))
  const columns = table(
    ['column', 'type', 'physical', 'codec', 'compressed', 'uncompressed', 'nulls', 'min', 'max'],
    r.columns.map((c) => [
      c.name,
      typeOf.get(c.name) ?? '',
      c.type,
      c.codecs.join(', '),
      formatBytes(c.compressedBytes),
      formatBytes(c.uncompressedBytes),
      c.nulls === undefined ? '' : formatCount(c.nulls),
      statText(c.min),
      statText(c.max),
    ]),
  )
  return [head, schemaTable(r.schema), groups, columns].join('\n\n')
}

function renderCar(r: CarReport): string {
  const parts: string[] = []
  const content =
    r.content === 'dataset'
      ? `dataset, ${r.layout} layout`
      : r.content === 'knn-index'
        ? `knn index (${r.index?.kind})`
        : 'not an sd dataset'
  parts.push(
    fields([
      ['source', r.source],
      ['format', 'car'],
      ['size', r.sizeBytes === undefined ? undefined : size(r.sizeBytes)],
      ['roots', r.roots.join(', ')],
      ['content', content],
      ['rows', r.rows === undefined ? undefined : formatCount(r.rows)],
    ]),
  )
  if (r.manifest) {
    parts.push(
      `manifest\n${fields(Object.entries(r.manifest).map(([k, v]) => [`  ${k}`, typeof v === 'number' ? formatCount(v) : String(v)]))}`,
    )
  }
  if (r.index) {
    parts.push(
      `index\n${fields([
        ['  kind', r.index.kind],
        ['  dimension', r.index.dimension],
        ['  metric', r.index.metric],
        ['  rows', formatCount(r.index.rows)],
        ['  removed', formatCount(r.index.removed)],
        ['  lists', r.index.nlist],
      ])}`,
    )
  }
  if (r.columns) {
    parts.push(
      table(
        ['column', 'type', 'nulls', 'min', 'max'],
        r.columns.map((c) => {
          const field = r.schema?.find((f) => f.name === c.name)
          return [c.name, c.type, formatCount(c.nulls), storedStat(c.min, field), storedStat(c.max, field)]
        }),
      ),
    )
  } else if (r.schema) parts.push(schemaTable(r.schema))
  parts.push(
    `${formatCount(r.blocks.total)} blocks, ${formatBytes(r.blocks.bytes)}\n${table(
      ['codec', 'blocks', 'bytes', 'largest'],
      r.blocks.byCodec.map((c) => [
        c.codec,
        formatCount(c.blocks),
        formatBytes(c.bytes),
        formatBytes(c.largest),
      ]),
      ['left', 'right', 'right', 'right'],
    )}`,
  )
  return parts.join('\n\n')
}

function schemaTable(schema: Field[]): string {
  if (schema.length === 0) return '(no columns)'
  return table(
    ['#', 'column', 'type', 'nullable'],
    schema.map((f, i) => [String(i), f.name, typeDetail(f), f.nullable ? 'yes' : 'no']),
    ['right', 'left', 'left', 'left'],
  )
}

function statText(v: unknown): string {
  if (v === undefined || v === null) return ''
  if (v instanceof Date) return v.toISOString()
  if (v instanceof Uint8Array)
    return `0x${Buffer.from(v.subarray(0, 16)).toString('hex')}${v.length > 16 ? '…' : ''}`
  const text = typeof v === 'string' ? v : String(v)
  return text.length > 30 ? `${text.slice(0, 29)}…` : text
}

/** A batch-layout statistic: dates and timestamps are stored as their integers. */
function storedStat(v: number | bigint | undefined, field: Field | undefined): string {
  if (v === undefined) return ''
  if (field?.type === 'date') return isoDate(Number(v))
  if (field?.type === 'timestamp') return isoTimestamp(BigInt(v), field.unit ?? 'ms')
  return statText(v)
}

function size(bytes: number | undefined): string {
  if (bytes === undefined) return 'unknown'
  return `${formatBytes(bytes)} (${formatCount(bytes)} bytes)`
}
