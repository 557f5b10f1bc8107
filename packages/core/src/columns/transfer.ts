import type { ColumnData } from './column-data.js'

/**
 * A plain copy of a column for `postMessage` whose typed arrays each own their buffer; those
 * buffers are added to `transfer`. A buffer is transferred when one view covers it whole (a
 * decoder's own output); a view into a larger buffer is copied first, so transferring never
 * detaches memory something else still uses. `reviveColumn` turns the message back into a column.
 */
export function columnToMessage(column: ColumnData, transfer: ArrayBuffer[]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(column)) {
    if (ArrayBuffer.isView(value)) out[key] = owned(value, transfer)
    else if (key === 'dictionary') out[key] = columnToMessage(value as ColumnData, transfer)
    else out[key] = value
  }
  return out
}

function owned(view: ArrayBufferView, transfer: ArrayBuffer[]): ArrayBufferView {
  const buffer = view.buffer
  // shared memory is seen by the receiver as it is
  if (!(buffer instanceof ArrayBuffer)) return view
  if (view.byteOffset === 0 && view.byteLength === buffer.byteLength) {
    if (!transfer.includes(buffer)) transfer.push(buffer)
    return view
  }
  const Ctor = view.constructor as new (buffer: ArrayBuffer) => ArrayBufferView
  const copy = buffer.slice(view.byteOffset, view.byteOffset + view.byteLength)
  transfer.push(copy)
  return new Ctor(copy)
}
