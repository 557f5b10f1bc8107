/** The parent's handle on the hub process of the hf suite. */
import { type ChildProcess, fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { DatasetFiles, ServedRequest } from './hub-process.ts'

export class RemoteHub {
  url = ''
  shas: Record<string, string> = {}
  readonly #child: ChildProcess
  readonly #pending = new Map<number, (value: unknown) => void>()
  #next = 0

  private constructor() {
    this.#child = fork(fileURLToPath(new URL('./hub-process.ts', import.meta.url)), [], {
      execArgv: ['--conditions=@sd/source', '--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    })
    this.#child.on('message', (m: { id: number; value: unknown }) => {
      this.#pending.get(m.id)?.(m.value)
      this.#pending.delete(m.id)
    })
  }

  /** Starts the hub process serving `datasets`. */
  static async start(datasets: DatasetFiles[]): Promise<RemoteHub> {
    const hub = new RemoteHub()
    const { url, shas } = (await hub.#call({ cmd: 'start', datasets })) as {
      url: string
      shas: Record<string, string>
    }
    hub.url = url
    hub.shas = shas
    return hub
  }

  setLatency(ms: number): Promise<unknown> {
    return this.#call({ cmd: 'latency', ms })
  }

  resetLog(): Promise<unknown> {
    return this.#call({ cmd: 'resetLog' })
  }

  log(): Promise<ServedRequest[]> {
    return this.#call({ cmd: 'log' }) as Promise<ServedRequest[]>
  }

  async close(): Promise<void> {
    await this.#call({ cmd: 'close' })
  }

  #call(message: Record<string, unknown>): Promise<unknown> {
    const id = this.#next++
    return new Promise((resolve) => {
      this.#pending.set(id, resolve)
      this.#child.send({ id, ...message })
    })
  }
}
