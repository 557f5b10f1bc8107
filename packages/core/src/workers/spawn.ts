import { createHash } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { type ResourceLimits, Worker } from 'node:worker_threads'

/**
 * The URL of a worker module that sits beside the calling module: `name.js` when the caller runs
 * compiled, `name.ts` when it runs from its TypeScript sources (tests, benchmarks).
 *
 * @example
 * ```ts
 * const url = workerModule(import.meta.url, 'decode-worker') // .../decode-worker.js (or .ts)
 * ```
 */
export function workerModule(callerUrl: string, name: string): URL {
  return new URL(`./${name}${callerUrl.endsWith('.ts') ? '.ts' : '.js'}`, callerUrl)
}

/** Options of {@link spawnWorker}. */
export interface SpawnOptions {
  /** `workerData` of the new thread. */
  workerData?: unknown
  /** Thread name (shown in inspectors and heap snapshots). */
  name?: string
  /** V8 heap limits of the thread (`worker_threads` `resourceLimits`). */
  resourceLimits?: ResourceLimits
}

/**
 * Starts a worker thread running `module`. A `.js` module starts as it is. A `.ts` module (the
 * sources, in development) is first bundled with esbuild (from the `tsx` dev dependency) into one
 * file, once per process, with third-party imports left to Node: a bundled worker starts in a
 * fraction of the time a TypeScript loader in every thread takes. Without esbuild the worker
 * registers tsx itself.
 */
export async function spawnWorker(module: URL, options: SpawnOptions = {}): Promise<Worker> {
  const init = {
    ...(options.workerData === undefined ? {} : { workerData: options.workerData }),
    ...(options.name === undefined ? {} : { name: options.name }),
    ...(options.resourceLimits === undefined ? {} : { resourceLimits: options.resourceLimits }),
  }
  if (!module.pathname.endsWith('.ts')) return new Worker(module, init)
  const bundled = await devBundle(module).catch(() => undefined)
  // a bundle needs no TypeScript loader: the parent's (tsx in every thread) would cost each worker
  // its start-up time again
  if (bundled) {
    const execArgv = withoutLoaders(process.execArgv)
    try {
      return new Worker(bundled, { ...init, execArgv })
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw error
      // a flag a thread refuses (V8's --expose-gc, --max-old-space-size): keep the resolution conditions
      const conditions = execArgv.filter((arg) => arg.startsWith('--conditions='))
      return new Worker(bundled, { ...init, execArgv: conditions })
    }
  }
  return new Worker(tsxBoot(module), { ...init, eval: true, execArgv: ['--conditions=@sd/source'] })
}

const bundles = new Map<string, Promise<URL>>()

interface EsbuildPlugin {
  name: string
  setup(build: EsbuildBuild): void
}
interface EsbuildBuild {
  onResolve(
    options: { filter: RegExp },
    callback: (args: {
      path: string
      kind: string
      resolveDir: string
      importer: string
      pluginData?: unknown
    }) => Promise<unknown> | unknown,
  ): void
  resolve(
    path: string,
    options: { kind: string; resolveDir: string; importer: string; pluginData?: unknown },
  ): Promise<{ path: string; external: boolean; errors: unknown[] }>
}
interface Esbuild {
  build(options: Record<string, unknown>): Promise<{ outputFiles: { text: string }[] }>
}

/**
 * `module` and the sd sources it imports as one ES module in the temp folder; cached per process.
 * Not part of the package's API: also used by tests that start a TypeScript script as a process of
 * its own (`node bundle.mjs` starts in a fraction of the time `node --import tsx` takes).
 */
export function devBundle(module: URL): Promise<URL> {
  let bundle = bundles.get(module.href)
  if (!bundle) {
    bundle = buildBundle(module)
    bundles.set(module.href, bundle)
    bundle.catch(() => bundles.delete(module.href))
  }
  return bundle
}

async function buildBundle(module: URL): Promise<URL> {
  const require = createRequire(module)
  const tsxRoot = dirname(require.resolve('tsx/package.json'))
  const esbuild = createRequire(join(tsxRoot, 'package.json'))('esbuild') as Esbuild
  const entry = fileURLToPath(module)
  const SKIP = Symbol('third-party')
  // sd packages are bundled from their sources; everything else stays an import of its real file
  const thirdParty: EsbuildPlugin = {
    name: 'sd-third-party-external',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData === SKIP || args.path.startsWith('@sd/') || args.path.startsWith('node:'))
          return undefined
        const resolved = await build.resolve(args.path, {
          kind: args.kind,
          resolveDir: args.resolveDir,
          importer: args.importer,
          pluginData: SKIP,
        })
        if (resolved.errors.length > 0 || resolved.external) return undefined
        return { path: pathToFileURL(resolved.path).href, external: true }
      })
    },
  }
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    conditions: ['@sd/source'],
    logLevel: 'silent',
    plugins: [thirdParty],
  })
  const text = result.outputFiles[0]?.text ?? ''
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 16)
  const dir = join(tmpdir(), 'sd-worker-bundles')
  await mkdir(dir, { recursive: true })
  const file = join(dir, `${hash}.mjs`)
  await writeFile(file, text)
  return pathToFileURL(file)
}

/** Node flags that load code into every thread (`--import`, `--require`, `--loader`), and their values. */
const LOADER_FLAGS = new Set(['--import', '--require', '-r', '--loader', '--experimental-loader'])

/** `execArgv` without the flags that preload modules (TypeScript loaders). */
export function withoutLoaders(execArgv: readonly string[]): string[] {
  const out: string[] = []
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i] as string
    const flag = arg.split('=', 1)[0] as string
    if (!LOADER_FLAGS.has(flag)) out.push(arg)
    // the value as the next argument
    else if (!arg.includes('=')) i++
  }
  return out
}

function tsxBoot(module: URL): string {
  const tsxRoot = dirname(createRequire(module).resolve('tsx/package.json'))
  const tsx = pathToFileURL(join(tsxRoot, 'dist', 'esm', 'api', 'index.mjs')).href
  return `import(${JSON.stringify(tsx)}).then((t) => { t.register(); return import(${JSON.stringify(module.href)}) })`
}
