/**
 * The local hub of the hf suite in a process of its own, so serving and the added latency do not
 * compete with the reader for one event loop. Driven over IPC by {@link RemoteHub}.
 */
import { readFileSync } from 'node:fs'
import { FakeHub } from '@sd/hf/test-support'

/** A dataset to serve: its files on disk. */
export interface DatasetFiles {
  dataset: string
  files: { path: string; file: string; lfs: boolean }[]
}

/** A request as the parent sees it: times are epoch milliseconds. */
export interface ServedRequest {
  server: 'hub' | 'cdn'
  path: string
  range: string | undefined
  status: number
  receivedAt: number
}

type Command =
  | { id: number; cmd: 'start'; datasets: DatasetFiles[] }
  | { id: number; cmd: 'latency'; ms: number }
  | { id: number; cmd: 'resetLog' }
  | { id: number; cmd: 'log' }
  | { id: number; cmd: 'close' }

let hub: FakeHub | undefined
const shas: Record<string, string> = {}

process.on('message', async (message: Command) => {
  const reply = (value: unknown) => process.send?.({ id: message.id, value })
  switch (message.cmd) {
    case 'start': {
      hub = await FakeHub.start()
      for (const { dataset, files } of message.datasets) {
        shas[dataset] = hub.commit(
          dataset,
          files.map((f) => ({ path: f.path, data: new Uint8Array(readFileSync(f.file)), lfs: f.lfs })),
        )
      }
      return reply({ url: hub.url, shas })
    }
    case 'latency':
      if (hub) hub.latencyMs = message.ms
      return reply(null)
    case 'resetLog':
      hub?.resetLog()
      return reply(null)
    case 'log':
      return reply(
        (hub?.log ?? []).map((r) => ({
          server: r.server,
          path: r.path,
          range: r.range,
          status: r.status,
          receivedAt: performance.timeOrigin + r.receivedAt,
        })),
      )
    case 'close':
      await hub?.close()
      reply(null)
      process.disconnect()
  }
})
