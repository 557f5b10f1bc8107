import { jsonText, print } from '../output.js'

/** Options of `sd serve`. */
export interface ServeOptions {
  port?: number
  host?: string
  json?: boolean
  /** No banner: nothing on stdout but the `--json` line. */
  quiet?: boolean
}

/**
 * `sd serve <car...>`: an IPFS trustless gateway over the CARs until SIGINT or SIGTERM, which
 * close it (open connections ended, CARs closed) and exit with status 0.
 */
export async function serve(cars: string[], options: ServeOptions): Promise<void> {
  // the handlers are in place before the URL is printed (a script may signal as soon as it reads
  // it) and stay until the gateway is closed: a signal's default action would end the process
  // mid-close
  let stop: () => void = () => undefined
  const stopped = new Promise<void>((resolve) => {
    stop = resolve
  })
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
  try {
    const { serveGateway } = await import('@sd/car')
    const gateway = await serveGateway({
      cars,
      ...(options.host !== undefined ? { host: options.host } : {}),
      ...(options.port !== undefined ? { port: options.port } : {}),
    })
    const roots = gateway.roots.map(String)
    if (options.json) print(jsonText({ url: gateway.url, roots }, 0))
    else if (!options.quiet) {
      print(`serving ${cars.length} CAR${cars.length === 1 ? '' : 's'} at ${gateway.url}`)
      for (const root of roots) print(`  ${gateway.url}/ipfs/${root}`)
      print('stop with Ctrl-C')
    }
    try {
      await stopped
    } finally {
      await gateway.close()
    }
    if (!options.json && !options.quiet) print('stopped')
  } finally {
    process.off('SIGINT', stop)
    process.off('SIGTERM', stop)
  }
}
