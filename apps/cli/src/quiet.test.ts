import { createServer } from 'node:net'
import { packFile } from '@sd/car'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { duckdb, EVENTS_SQL, tempDir } from './test-support/fixtures.js'
import { finished, sd, start } from './test-support/run.js'

const tmp = tempDir()
afterAll(() => tmp.remove())
const csv = tmp.path('events.csv')
const car = tmp.path('events.car')
/** Progress from the first moment, so a command that shows any shows it here. */
const env = { SD_PROGRESS_DELAY_MS: '0' }

beforeAll(async () => {
  await duckdb(EVENTS_SQL(3000), `COPY events TO '${csv}' (HEADER)`)
  // the CAR is only what verify and serve read here: packed in this process (convert has its own tests)
  await packFile(csv, car)
})

/** A port nothing listens on now. */
async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

describe.concurrent('-q, --quiet', () => {
  it('leaves the rows of sd head as they are and prints nothing on stderr', async () => {
    const args = ['head', csv, '-n', '3', '--columns', 'id,name']
    const [loud, quiet, long] = await Promise.all([
      sd(args, { env }),
      sd([...args, '-q'], { env }),
      sd([...args, '--quiet', '--ndjson'], { env }),
    ])
    expect(quiet.status, quiet.stderr).toBe(0)
    expect(quiet.stdout).toBe(loud.stdout)
    expect(quiet.stdout).toMatch(/│ +2 │ name-2 +│\n.*\n3 rows\n$/)
    expect(quiet.stderr).toBe('')
    expect(long.stdout).toBe(
      '{"id":0,"name":"say \\"hi\\", 0"}\n{"id":1,"name":"name-1"}\n{"id":2,"name":"name-2"}\n',
    )
  })

  it('keeps the report of sd inspect and drops its progress', async () => {
    const [loud, quiet] = await Promise.all([
      sd(['inspect', csv], { env }),
      sd(['inspect', csv, '-q'], { env }),
    ])
    expect(loud.status, loud.stderr).toBe(0)
    expect(loud.stderr).toMatch(/^reading \S+events\.csv: .*3,000 rows.*done in/m)
    expect(quiet.status, quiet.stderr).toBe(0)
    expect(quiet.stderr).toBe('')
    expect(quiet.stdout).toBe(loud.stdout)
    expect(quiet.stdout).toMatch(/^rows +3,000$/m)
  })

  it('leaves only the exit status of sd verify', async () => {
    const run = await sd(['verify', car, '-q'], { env })
    expect([run.status, run.stdout, run.stderr]).toEqual([0, '', ''])
  })

  it('drops the banner of sd serve, keeping its --json line', { timeout: 120_000 }, async () => {
    const port = await freePort()
    // both start at once: each is a Node process that takes its time on a busy machine
    const plain = start(['serve', car, '--port', String(port), '-q'])
    const plainDone = finished(plain, 110_000)
    const json = start(['serve', car, '--port', '0', '--quiet', '--json'])
    const jsonDone = finished(json, 110_000)
    const line = await new Promise<string>((resolve, reject) => {
      json.stdout?.once('data', (d: Buffer) => resolve(d.toString()))
      json.on('close', () => reject(new Error('sd serve ended')))
    })
    expect(JSON.parse(line)).toMatchObject({ url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) })
    json.kill('SIGTERM')
    // the quiet one prints nothing: wait for its gateway to answer
    let answered = false
    for (let i = 0; i < 900 && !answered; i++) {
      answered = await fetch(`http://127.0.0.1:${port}/ipfs/bafkqaaa`, { method: 'HEAD' }).then(
        () => true,
        () => new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 100)),
      )
    }
    expect(answered).toBe(true)
    plain.kill('SIGTERM')
    expect(await plainDone).toMatchObject({ status: 0, stdout: '', stderr: '' })
    const ended = await jsonDone
    expect(ended.status).toBe(0)
    expect(ended.stdout).toBe(line)
  })
})
