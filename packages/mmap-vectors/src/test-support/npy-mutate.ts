import { dataOffsetOf, preambleOf } from './npy-files.js'

/** A small seeded generator (mulberry32): the same seed gives the same mutations. */
export class Random {
  #state: number

  constructor(seed: number) {
    this.#state = seed >>> 0
  }

  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0
    let t = this.#state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n)
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T
  }
}

/** Characters a header is made of, and a few it should never hold. */
const ALPHABET = '(){}[]\',:" 0123456789-+.eELxTrueFalseNonedescrshapefortran_order<>f4\n\t\r\0\x7f\xa0\xff'

/** Integers that sit on the edges of what a header can say. */
const EDGE_INTS = [
  '0',
  '1',
  '-1',
  '-5',
  '00',
  '007',
  '4.0',
  '1e3',
  '4L',
  '2147483648',
  '4294967297',
  '9007199254740991',
  '9007199254740993',
  '268435457',
  `1${'0'.repeat(400)}`,
  '-0',
  '+6',
  'True',
  'None',
  "'6'",
]

function replaceHeaderText(file: Buffer, text: string): Buffer {
  const major = file[6] as number
  const pre = preambleOf(major)
  const data = file.subarray(dataOffsetOf(file))
  const body = Buffer.from(text, major === 3 ? 'utf8' : 'latin1')
  const head = Buffer.from(file.subarray(0, pre))
  if (major === 1) head.writeUInt16LE(Math.min(0xffff, body.length), 8)
  else head.writeUInt32LE(body.length, 8)
  return Buffer.concat([head, body, data])
}

function headerText(file: Buffer): string {
  const major = file[6] as number
  return file.toString(major === 3 ? 'utf8' : 'latin1', preambleOf(major), dataOffsetOf(file))
}

/** One mutation of a `.npy` file; `name` says which, for reports. */
export type Mutation = { name: string; apply: (file: Buffer, random: Random) => Buffer }

export const MUTATIONS: readonly Mutation[] = [
  {
    name: 'byte in the header',
    apply: (file, r) => {
      const out = Buffer.from(file)
      out[r.int(Math.min(out.length, dataOffsetOf(file)))] = r.int(256)
      return out
    },
  },
  {
    name: 'bit in the preamble or header',
    apply: (file, r) => {
      const out = Buffer.from(file)
      const at = r.int(Math.min(out.length, dataOffsetOf(file)))
      out[at] = (out[at] as number) ^ (1 << r.int(8))
      return out
    },
  },
  {
    name: 'character in the header text (same length)',
    apply: (file, r) => {
      const text = headerText(file)
      const at = r.int(text.length)
      return replaceHeaderText(file, text.slice(0, at) + r.pick([...ALPHABET]) + text.slice(at + 1))
    },
  },
  {
    name: 'characters inserted into the header text',
    apply: (file, r) => {
      const text = headerText(file)
      const at = r.int(text.length)
      let insert = ''
      for (let k = 1 + r.int(6); k > 0; k--) insert += r.pick([...ALPHABET])
      return replaceHeaderText(file, text.slice(0, at) + insert + text.slice(at))
    },
  },
  {
    name: 'characters deleted from the header text',
    apply: (file, r) => {
      const text = headerText(file)
      const at = r.int(text.length)
      return replaceHeaderText(file, text.slice(0, at) + text.slice(at + 1 + r.int(8)))
    },
  },
  {
    name: 'a shape number replaced',
    apply: (file, r) => {
      const text = headerText(file)
      const numbers = [...text.matchAll(/\d+/g)]
      if (numbers.length === 0) return file
      const m = r.pick(numbers)
      const at = m.index ?? 0
      return replaceHeaderText(file, text.slice(0, at) + r.pick(EDGE_INTS) + text.slice(at + m[0].length))
    },
  },
  {
    name: 'the shape replaced',
    apply: (file, r) => {
      const dims = Array.from({ length: r.int(4) }, () => r.pick([...EDGE_INTS, '6', '4', '3', '2', '12']))
      const open = r.pick(['(', '[', '(('])
      const shape = `${open}${dims.join(r.pick([', ', ',', ' , ']))}${r.pick(['', ','])}${open === '[' ? ']' : ')'.repeat(open.length)}`
      return replaceHeaderText(file, headerText(file).replace(/'shape': \([^)]*\)/, `'shape': ${shape}`))
    },
  },
  {
    name: 'another plausible shape',
    apply: (file, r) => {
      const shape = `(${r.int(9)}, ${r.pick([1, 2, 3, 4, 6, 8, 12, 24])})`
      return replaceHeaderText(file, headerText(file).replace(/'shape': \([^)]*\)/, `'shape': ${shape}`))
    },
  },
  {
    name: 'deep nesting',
    apply: (file, r) => {
      const depth = r.pick([15, 16, 17, 100, 5000, 50_000])
      const shape = `${'('.repeat(depth)}6, 4${')'.repeat(depth)}`
      return replaceHeaderText(file, headerText(file).replace(/'shape': \([^)]*\)/, `'shape': ${shape}`))
    },
  },
  {
    name: 'descr or fortran_order replaced',
    apply: (file, r) => {
      const text = headerText(file)
      if (r.int(2) === 0) {
        const descr = r.pick([
          "'<f4'",
          "'>f4'",
          "'<f8'",
          "'|u1'",
          "'f4'",
          "'<f4 '",
          "''",
          '4',
          '[]',
          "[('a', '<f4')]",
          'None',
        ])
        return replaceHeaderText(file, text.replace(/'descr': '[^']*'/, `'descr': ${descr}`))
      }
      const order = r.pick(['True', 'False', '0', '1', "'False'", 'None', 'false'])
      return replaceHeaderText(file, text.replace(/'fortran_order': \w+/, `'fortran_order': ${order}`))
    },
  },
  {
    name: 'length field',
    apply: (file, r) => {
      const out = Buffer.from(file)
      const current = out[6] === 1 ? out.readUInt16LE(8) : out.readUInt32LE(8)
      const value = r.pick([
        0,
        1,
        current - 1,
        current + 1,
        current - 64,
        current + 64,
        0xffff,
        r.int(0x10000),
      ])
      if (out[6] === 1) out.writeUInt16LE(Math.max(0, Math.min(0xffff, value)), 8)
      else out.writeUInt32LE(r.int(2) === 0 ? Math.max(0, value) : 0xffffffff - r.int(1000), 8)
      return out
    },
  },
  {
    name: 'version',
    apply: (file, r) => {
      const out = Buffer.from(file)
      out[6] = r.pick([0, 1, 2, 3, 4, 255])
      out[7] = r.pick([0, 0, 1])
      return out
    },
  },
  {
    name: 'truncated',
    apply: (file, r) => file.subarray(0, r.int(file.length)),
  },
  {
    name: 'data appended past the shape',
    apply: (file, r) => Buffer.concat([file, Buffer.alloc(1 + r.int(100), 7)]),
  },
]

/** One to three stacked mutations of one of `bases`, and what was done. */
export function mutate(bases: readonly Buffer[], random: Random): { bytes: Buffer; steps: string[] } {
  let bytes = random.pick(bases)
  const steps: string[] = []
  // mostly one mutation, so that many files stay readable and their data gets checked
  const n = random.next()
  for (let k = n < 0.6 ? 1 : n < 0.9 ? 2 : 3; k > 0; k--) {
    const mutation = random.pick(MUTATIONS)
    try {
      bytes = mutation.apply(bytes, random)
      steps.push(mutation.name)
    } catch {
      // a mutation that needs a readable header (after an earlier one broke it) is skipped
    }
  }
  return { bytes, steps }
}
