// Builds the native mmap addon with node-gyp at install. When it cannot (no compiler, no
// node-gyp, an unsupported platform), it prints one warning and exits 0: the package still
// installs and works on the positional-read backend. `--strict` makes a failed build an error.
//
// An addon already built from the same sources is kept (`--force` rebuilds it anyway).
// Environment: SD_MMAP_SKIP_BUILD=1 skips the build; SD_MMAP_NODE_GYP names a node-gyp script.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const strict = process.argv.includes('--strict')
const log = join(root, 'build', 'install.log')

function fail(reason) {
  const where = existsSync(log) ? ` (log: ${log})` : ''
  const message = `@sd/mmap-vectors: native mmap addon not built: ${reason}${where}; backend 'pread' (positional reads) will be used`
  if (strict) {
    console.error(message)
    process.exit(1)
  }
  console.warn(`warning: ${message}`)
  process.exit(0)
}

if (process.env.SD_MMAP_SKIP_BUILD === '1' && !strict) fail('SD_MMAP_SKIP_BUILD=1')
if (process.platform === 'win32') fail('memory mapping is implemented for POSIX systems only')

/** node-gyp: the package manager's own copy, one installed here, or the copy bundled with npm. */
function findNodeGyp() {
  const candidates = [process.env.SD_MMAP_NODE_GYP, process.env.npm_config_node_gyp]
  try {
    candidates.push(createRequire(join(root, 'package.json')).resolve('node-gyp/bin/node-gyp.js'))
  } catch {
    // not installed next to this package
  }
  const prefix = resolve(dirname(process.execPath), '..')
  candidates.push(
    join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  )
  return candidates.find((c) => c && existsSync(c))
}

const addon = join(root, 'build', 'Release', 'sd_mmap.node')
const stampFile = join(root, 'build', 'Release', 'sd_mmap.stamp')

/** What the addon was built from: its sources and the platform (N-API is stable across Node versions). */
function stamp() {
  const hash = createHash('sha256')
  for (const file of ['native/mmap.cc', 'binding.gyp']) {
    hash.update(existsSync(join(root, file)) ? readFileSync(join(root, file)) : file)
  }
  hash.update(`${process.platform}-${process.arch}`)
  return hash.digest('hex')
}

function loads() {
  return spawnSync(process.execPath, ['-e', `require(${JSON.stringify(addon)})`], { encoding: 'utf8' })
}

// an addon built from the same sources stays: repeated installs neither rebuild nor remove it
if (
  !process.argv.includes('--force') &&
  existsSync(addon) &&
  existsSync(stampFile) &&
  readFileSync(stampFile, 'utf8') === stamp() &&
  loads().status === 0
) {
  process.exit(0)
}

const gyp = findNodeGyp()
if (!gyp) fail('node-gyp was not found')

const args = [gyp, 'rebuild']
// headers installed with Node itself (distribution packages, official tarballs) build offline,
// where node-gyp would otherwise try to download them
const prefix = resolve(dirname(process.execPath), '..')
if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'common.gypi'))) {
  args.push(`--nodedir=${prefix}`)
}
const result = spawnSync(process.execPath, args, {
  cwd: root,
  encoding: 'utf8',
  timeout: 300_000,
  env: { ...process.env, npm_config_loglevel: process.env.npm_config_loglevel ?? 'warn' },
})
mkdirSync(dirname(log), { recursive: true })
writeFileSync(log, `${result.stdout ?? ''}${result.stderr ?? ''}`)
if (result.error) fail(result.error.message)
if (result.status !== 0) {
  const lines = `${result.stderr ?? ''}`.split('\n').filter((l) => /error/i.test(l))
  fail(`node-gyp exited with code ${result.status}${lines[0] ? `: ${lines[0].trim()}` : ''}`)
}
const check = loads()
if (check.status !== 0) fail(`the built addon does not load: ${`${check.stderr}`.split('\n')[0]}`)
writeFileSync(stampFile, stamp())
