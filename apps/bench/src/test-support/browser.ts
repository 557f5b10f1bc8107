/**
 * A headless Chromium for the HTML report test, with nothing to install beyond `npm install`:
 * the system's Chromium when there is one, else the build that `@sparticuz/chromium` ships inside
 * its npm package (unpacked to the temp folder on first use), driven by `puppeteer-core`.
 */
import { existsSync } from 'node:fs'
import type { Browser } from 'puppeteer-core'

/** Where a distribution's Chromium lives (Debian's `chromium` package, Ubuntu's older name). */
const SYSTEM_CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser']

/** Flags for a system Chromium in a container: no sandbox, no GPU, no traffic of its own. */
const SYSTEM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/** A launched browser and where it came from. */
export interface LaunchedBrowser {
  browser: Browser
  /** The executable, e.g. `/usr/bin/chromium` or the unpacked `@sparticuz/chromium` build. */
  executablePath: string
  source: 'system' | '@sparticuz/chromium'
}

/**
 * Launches headless Chromium: the system's when present, unless `SD_SYSTEM_CHROMIUM=0` hides it
 * (to prove the npm build works on a machine without one), else `@sparticuz/chromium`'s.
 */
export async function launchChromium(): Promise<LaunchedBrowser> {
  const puppeteer = (await import('puppeteer-core')).default
  const system =
    process.env.SD_SYSTEM_CHROMIUM === '0' ? undefined : SYSTEM_CHROMIUM.find((path) => existsSync(path))
  if (system) {
    const browser = await puppeteer.launch({ executablePath: system, headless: true, args: SYSTEM_ARGS })
    return { browser, executablePath: system, source: 'system' }
  }
  const chromium = (await import('@sparticuz/chromium')).default
  const executablePath = await chromium.executablePath()
  const browser = await puppeteer.launch({
    executablePath,
    headless: true,
    args: [
      ...chromium.args,
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
    ],
  })
  return { browser, executablePath, source: '@sparticuz/chromium' }
}
