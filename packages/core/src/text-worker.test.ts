import { describe, expect, it } from 'vitest'
import * as core from './index.js'
import * as textWorker from './text-worker.js'

describe('@sd/core/text-worker', () => {
  it('exports the very objects the package exports (one module instance in both threads)', () => {
    const names = Object.keys(textWorker)
    expect(names).toContain('serveWorker')
    expect(names).toContain('RecordBatch')
    for (const name of names)
      expect((core as Record<string, unknown>)[name], name).toBe(
        (textWorker as Record<string, unknown>)[name],
      )
  })
})
