import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { duration, Progress } from './progress.js'

/** Carriage return + erase line: how the bar redraws itself. */
const CLEAR = '\r\x1b[2K'

function sink(tty: boolean) {
  const chunks: string[] = []
  const out = Object.assign(
    new Writable({
      write(chunk: Buffer, _enc, done) {
        chunks.push(chunk.toString())
        done()
      },
    }),
    { isTTY: tty, columns: 60 },
  )
  return { out, text: () => chunks.join('') }
}

describe('Progress', () => {
  it('redraws one bar line on a terminal and keeps log lines above it', () => {
    const { out, text } = sink(true)
    const p = new Progress(out)
    p.start(4)
    p.begin('parquet batch 1,000')
    p.end('parquet batch 1,000', '1.2M rec/s')
    p.log('a message')
    p.begin('csv batch 1,000')
    p.begin('csv batch 10,000')
    p.end('csv batch 1,000', '300K rec/s')
    p.finish()
    const written = text()
    expect(written).toContain(`${CLEAR}[`)
    expect(written).toContain('a message\n')
    expect(written).toMatch(/\[#+-+\] 1\/4 eta \d+s csv batch 1,000 \| csv batch 10,000/)
    expect(written).toMatch(/\[#+-+\] 2\/4 eta \d+s csv batch 10,000/)
    // every drawn line fits the terminal width
    for (const line of written.replaceAll(CLEAR, '\n').split('\n'))
      expect(line.length).toBeLessThanOrEqual(59)
    expect(written.endsWith(CLEAR)).toBe(true)
  })

  it('prints plain numbered lines when not on a terminal', () => {
    const { out, text } = sink(false)
    const p = new Progress(out)
    p.start(2)
    p.begin('ndjson raw')
    p.begin('vectors mmap, random')
    p.end('vectors mmap, random', '700K vectors/s')
    p.end('ndjson raw', '1.4M rec/s')
    p.finish()
    expect(text()).toBe('[1/2] vectors mmap, random: 700K vectors/s\n[2/2] ndjson raw: 1.4M rec/s\n')
  })

  it('formats durations', () => {
    expect(duration(75)).toBe('1m15s')
    expect(duration(9.4)).toBe('9s')
  })
})
