/** The `sd-bench` command (run with tsx and the `@sd/source` condition; see bin/sd-bench.mjs). */
import { main } from './main.js'

process.exitCode = await main(process.argv.slice(2))
