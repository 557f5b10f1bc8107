import { Worker } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { type BatchMessage, batchFromMessage, batchToMessage } from './batch-message.js'
import { RecordBatch } from './record-batch.js'

/** A worker that sends back whatever it receives, transferring the buffers it was given. */
const ECHO = `
const { parentPort } = require('node:worker_threads')
parentPort.on('message', ({ message, transfer }) => parentPort.postMessage(message, transfer))
`

describe('batches as worker messages', () => {
  it('cross a thread with their buffers transferred, not copied', async () => {
    const batch = RecordBatch.fromColumns({
      id: Int32Array.from({ length: 1000 }, (_, i) => i),
      maybe: Array.from({ length: 1000 }, (_, i) => (i % 3 === 0 ? null : i * 0.5)),
      name: Array.from({ length: 1000 }, (_, i) => (i % 5 === 0 ? null : `n${i}`)),
      flag: Array.from({ length: 1000 }, (_, i) => i % 2 === 0),
      v: Array.from({ length: 1000 }, (_, i) => Float32Array.of(i, -i)),
      meta: Array.from({ length: 1000 }, (_, i) => ({ i })),
    })
    const expected = batch.rows().map((r) => ({ ...r, v: [...(r.v as Float32Array)] }))
    const ids = batch.column('id') as Int32Array
    const { message, transfer } = batchToMessage(batch)
    expect(transfer.length).toBeGreaterThanOrEqual(6)
    const worker = new Worker(ECHO, { eval: true })
    try {
      const back = new Promise<BatchMessage>((resolve, reject) => {
        worker.once('message', resolve)
        worker.once('error', reject)
      })
      worker.postMessage({ message, transfer }, transfer)
      // transferred: the sender's memory is gone
      expect(ids.byteLength).toBe(0)
      const received = batchFromMessage(await back)
      expect(received.schema).toEqual(batch.schema)
      expect(received.rows().map((r) => ({ ...r, v: [...(r.v as Float32Array)] }))).toEqual(expected)
      expect(received.data('maybe').nullCount).toBe(334)
    } finally {
      await worker.terminate()
    }
  })

  it('copies a view into a larger buffer instead of detaching what else shares it', () => {
    const whole = RecordBatch.fromColumns({ id: Int32Array.from({ length: 100 }, (_, i) => i) })
    const part = whole.slice(10, 20)
    const { transfer, message } = batchToMessage(part)
    const received = structuredClone(message, { transfer })
    expect((whole.column('id') as Int32Array).byteLength).toBe(400)
    expect(batchFromMessage(received).column('id')).toEqual(Int32Array.from({ length: 10 }, (_, i) => i + 10))
  })
})
