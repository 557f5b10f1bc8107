// The worker of the parallelText tests: parses ranges of integer lines (line-ranges.ts).

import type { RangeItem } from '../io/text/parallel-text.js'
import { rangeStream } from '../io/text/range-items.js'
import { serveWorker } from '../workers/serve.js'
import { type LinePayload, type LineTask, lineRange } from './line-ranges.js'

serveWorker<LineTask, RangeItem<LinePayload>>({ stream: rangeStream(lineRange) })
