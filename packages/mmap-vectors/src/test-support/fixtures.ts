import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach } from 'vitest'
import { isMmapAvailable, mmapUnavailableReason } from '../native.js'

/** Both backends, for `describe.each`. */
export const backends = [{ backend: 'pread' as const }, { backend: 'mmap' as const }]

const requireMmap = process.env.SD_REQUIRE_MMAP === '1'
let warned = false

/**
 * True when the cases of `backend` should be skipped: the mmap addon is not built and
 * `SD_REQUIRE_MMAP=1` is not set (with it, the cases run and fail, as CI wants).
 */
export function skipBackend(backend: 'pread' | 'mmap'): boolean {
  if (backend !== 'mmap' || isMmapAvailable() || requireMmap) return false
  if (!warned) {
    warned = true
    console.warn(
      `mmap backend tests skipped: the native addon is not available (${mmapUnavailableReason()}); build it with \`pnpm --filter @sd/mmap-vectors build:native\`, or set SD_REQUIRE_MMAP=1 to make this a failure`,
    )
  }
  return true
}

/** A fresh temporary directory for each test of the calling `describe`, removed after it. */
export function eachTempDir(): { readonly dir: string; path: (name: string) => string } {
  let current: ReturnType<typeof tempDir> | undefined
  beforeEach(() => {
    current = tempDir()
  })
  afterEach(() => current?.remove())
  const get = () => {
    if (!current) throw new Error('eachTempDir() is only usable inside a test')
    return current
  }
  return {
    get dir() {
      return get().dir
    },
    path: (name) => get().path(name),
  }
}

/** A fresh temporary directory and a function that removes it. */
export function tempDir(): { dir: string; path: (name: string) => string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'sd-mmap-vectors-'))
  return { dir, path: (name) => join(dir, name), remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/** Component `j` of the deterministic test vector `i` (exact in float32). */
export function value(i: number, j: number): number {
  return i * 8 + j * 0.25 - 3
}

/** Vectors `start..start+count` of dimension `dim`, one `number[]` each. */
export function vectors(start: number, count: number, dim: number): number[][] {
  return Array.from({ length: count }, (_, k) => Array.from({ length: dim }, (_, j) => value(start + k, j)))
}

/** The same vectors as one flat `Float32Array`. */
export function flat(start: number, count: number, dim: number): Float32Array {
  return Float32Array.from(vectors(start, count, dim).flat())
}

/** The bytes of a float array, for `fs` calls that take bytes. */
export function bytes(array: Float32Array): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength)
}

/** Open file descriptors of this process. */
export function openFds(): number {
  return readdirSync('/proc/self/fd').length
}

let numpy: boolean | undefined

/** True when `python3 -c 'import numpy'` works; prints why NumPy tests skip otherwise. */
export function hasNumpy(): boolean {
  if (numpy === undefined) {
    const result = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' })
    numpy = result.status === 0
    if (!numpy)
      console.warn(
        `NumPy interop tests skipped: python3 -c 'import numpy' failed (${result.error?.message ?? result.stderr.trim()})`,
      )
  }
  return numpy
}

/** Runs a Python script (with `numpy as np` imported) and returns what it prints, parsed as JSON. */
export function python(script: string, ...args: string[]): unknown {
  const out = execFileSync('python3', ['-c', `import json, sys\nimport numpy as np\n${script}`, ...args], {
    encoding: 'utf8',
  })
  return JSON.parse(out)
}
