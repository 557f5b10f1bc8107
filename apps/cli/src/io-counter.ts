import { readFileSync } from 'node:fs'

/**
 * Bytes this process read and wrote through system calls since the counter was made (Linux's
 * `/proc/self/io`, page-cache hits included): the progress of a library call that reports none
 * while it runs, such as packing, exporting or verifying a CAR, where the file being read is the
 * only I/O. Where the counters do not exist, both stay 0.
 */
export class IoCounter {
  readonly #start: { read: number; write: number }

  constructor() {
    this.#start = readCounters()
  }

  /** Bytes read and written since the counter was made. */
  now(): { read: number; write: number } {
    const c = readCounters()
    return { read: Math.max(0, c.read - this.#start.read), write: Math.max(0, c.write - this.#start.write) }
  }
}

function readCounters(): { read: number; write: number } {
  try {
    const text = readFileSync('/proc/self/io', 'latin1')
    const read = Number(/^rchar:\s*(\d+)/m.exec(text)?.[1] ?? 0)
    const write = Number(/^wchar:\s*(\d+)/m.exec(text)?.[1] ?? 0)
    return { read, write }
  } catch {
    return { read: 0, write: 0 }
  }
}
