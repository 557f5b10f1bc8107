import { spawn } from 'node:child_process'
import { mkdirSync, renameSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { basename, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { threadId } from 'node:worker_threads'

/** Bytes before the header text of a `.npy` file of version `major`. */
export function preambleOf(major: number): number {
  return major === 1 ? 10 : 12
}

/** Where the data of a `.npy` file starts, read from its preamble. */
export function dataOffsetOf(file: Uint8Array): number {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength)
  const major = file[6] as number
  return preambleOf(major) + (major === 1 ? view.getUint16(8, true) : view.getUint32(8, true))
}

/**
 * A `.npy` file with any header text: the magic string, `version`, the length field, `dict` padded
 * with spaces and a newline to `total` bytes (default: a multiple of 64), then `data`.
 * `text` bytes are written as latin-1 unless `utf8` is set.
 */
export function npyWithHeader(
  dict: string,
  data: Uint8Array | Float32Array,
  options: { version?: 1 | 2 | 3; total?: number; utf8?: boolean } = {},
): Buffer {
  const version = options.version ?? 1
  const pre = preambleOf(version)
  const encoded = Buffer.from(dict, options.utf8 ? 'utf8' : 'latin1')
  const minimal = pre + encoded.length + 1
  const total = options.total ?? Math.ceil(minimal / 64) * 64
  const text = Buffer.concat([encoded, Buffer.alloc(Math.max(0, total - pre - encoded.length - 1), 0x20)])
  const head = Buffer.alloc(pre)
  head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0])
  if (version === 1) head.writeUInt16LE(text.length + 1, 8)
  else head.writeUInt32LE(text.length + 1, 8)
  return Buffer.concat([
    head,
    text,
    Buffer.from('\n'),
    Buffer.from(data.buffer, data.byteOffset, data.byteLength),
  ])
}

/** `file` (a `.npy` file's bytes) with its header text replaced by `dict`, the data kept. */
export function withHeader(
  file: Uint8Array,
  dict: string,
  options: { version?: 1 | 2 | 3; total?: number } = {},
): Buffer {
  const data = file.subarray(dataOffsetOf(file))
  return npyWithHeader(dict, data, {
    version: options.version ?? (file[6] as number as 1 | 2 | 3),
    ...(options.total === undefined ? {} : { total: options.total }),
  })
}

/** The tsx loader, so child processes run this package's TypeScript sources. */
const TSX = import.meta.resolve('tsx/esm')

interface Esbuild {
  buildSync(options: Record<string, unknown>): { outputFiles: { text: string }[] }
}

const bundles = new Map<string, string | undefined>()

/**
 * `script` and the sources it imports bundled into one ES module (once per process), or
 * `undefined` when esbuild (tsx's) is not at hand: a process then starts in a fraction of the time
 * `--import tsx` takes (measured ~3 s of each concurrent-append test here). The bundle goes to the
 * package's `build/` folder, one level below the package like `src/`, so the addon's path that
 * `native.ts` resolves from `import.meta.url` resolves alike from the bundle.
 */
function bundled(script: string): string | undefined {
  if (bundles.has(script)) return bundles.get(script)
  let out: string | undefined
  try {
    const require = createRequire(import.meta.url)
    const esbuild = createRequire(require.resolve('tsx/package.json'))('esbuild') as Esbuild
    const { outputFiles } = esbuild.buildSync({
      entryPoints: [script],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      conditions: ['@sd/source'],
      external: ['apache-arrow'],
      logLevel: 'silent',
    })
    const dir = fileURLToPath(new URL('../../build/', import.meta.url))
    mkdirSync(dir, { recursive: true })
    out = join(dir, `test-${basename(script, '.ts')}.mjs`)
    // test files run in parallel: each writes its own file and renames it into place
    const own = `${out}.${process.pid}.${threadId}`
    writeFileSync(own, outputFiles[0]?.text ?? '')
    renameSync(own, out)
  } catch {
    out = undefined
  }
  bundles.set(script, out)
  return out
}

/** What a child process did. */
export interface ChildResult {
  status: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/**
 * Runs `script` (a TypeScript file beside this one) in a fresh Node process with the package's
 * sources, and `args`. `fileSizeLimitKb` runs it under `ulimit -f` (writes past the limit fail
 * with `EFBIG`; Node ignores `SIGXFSZ`). Settles when the process exits.
 */
export function runScript(
  script: string,
  args: string[],
  options: { fileSizeLimitKb?: number; onStdout?: (chunk: string) => void } = {},
): { done: Promise<ChildResult>; kill: () => void } {
  const path = fileURLToPath(new URL(script, import.meta.url))
  const bundle = bundled(path)
  const nodeArgs = bundle ? [bundle, ...args] : ['--conditions=@sd/source', '--import', TSX, path, ...args]
  const child =
    options.fileSizeLimitKb === undefined
      ? spawn(process.execPath, nodeArgs, { stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(
          '/bin/sh',
          ['-c', `ulimit -f ${options.fileSizeLimitKb} && exec "$0" "$@"`, process.execPath, ...nodeArgs],
          { stdio: ['ignore', 'pipe', 'pipe'] },
        )
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk
    options.onStdout?.(chunk)
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
  })
  const done = new Promise<ChildResult>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }))
  })
  return { done, kill: () => child.kill('SIGKILL') }
}
