import { describe, expect, it } from 'vitest'
import { conversionLayout, formatOf, type Layout, repositoryLayout } from './data-files.js'
import { globToRegExp } from './glob.js'

const files = (...paths: string[]) => paths.map((path) => ({ path, size: 1, etag: 'x' }))

/** config -> split -> paths, for comparing layouts. */
function shape(layout: Layout | undefined): Record<string, Record<string, string[]>> {
  const out: Record<string, Record<string, string[]>> = {}
  for (const [name, config] of layout?.configs ?? []) {
    out[name] = {}
    for (const [split, s] of config.splits)
      (out[name] as Record<string, string[]>)[split] = s.files.map((f) => f.path)
  }
  return out
}

describe('globToRegExp', () => {
  it('keeps * and ? inside a folder, lets ** cross folders (and match none), and reads classes', () => {
    expect(globToRegExp('data/*.parquet').test('data/a.parquet')).toBe(true)
    expect(globToRegExp('data/*.parquet').test('data/x/a.parquet')).toBe(false)
    expect(globToRegExp('data/**/*.parquet').test('data/a.parquet')).toBe(true)
    expect(globToRegExp('data/**/*.parquet').test('data/x/y/a.parquet')).toBe(true)
    expect(globToRegExp('**').test('a/b/c.csv')).toBe(true)
    expect(globToRegExp('part-[0-9][0-9].csv').test('part-07.csv')).toBe(true)
    expect(globToRegExp('part-[!0-9]?.csv').test('part-a7.csv')).toBe(true)
    expect(globToRegExp('part-[!0-9]?.csv').test('part-17.csv')).toBe(false)
    expect(globToRegExp('./a+b(1).csv').test('a+b(1).csv')).toBe(true)
  })
})

describe('repositoryLayout with the default patterns', () => {
  it('takes split names from push_to_hub shard names first', () => {
    const layout = repositoryLayout(
      files(
        'README.md',
        '.gitattributes',
        'data/train-00000-of-00002.parquet',
        'data/train-00001-of-00002.parquet',
        'data/train_sft-00000-of-00001.parquet',
        'data/test-00000-of-00001-a1b2c3.parquet',
      ),
      undefined,
    )
    expect(shape(layout)).toEqual({
      default: {
        train: ['data/train-00000-of-00002.parquet', 'data/train-00001-of-00002.parquet'],
        train_sft: ['data/train_sft-00000-of-00001.parquet'],
        test: ['data/test-00000-of-00001-a1b2c3.parquet'],
      },
    })
    expect(layout?.defaultConfig).toBe('default')
  })

  it('then split keywords in folder names, then in file names, else everything is train', () => {
    expect(shape(repositoryLayout(files('train/a.csv', 'dev/b.csv', 'my_test.v2/c.csv'), undefined))).toEqual(
      {
        default: { train: ['train/a.csv'], validation: ['dev/b.csv'], test: ['my_test.v2/c.csv'] },
      },
    )
    expect(
      shape(repositoryLayout(files('my_train_file.csv', 'eval.jsonl', 'trainer.csv'), undefined)),
    ).toEqual({
      default: { train: ['my_train_file.csv'], test: ['eval.jsonl'] },
    })
    expect(
      shape(repositoryLayout(files('a.csv', 'sub/b.jsonl', 'run.py', '.hidden/x.csv'), undefined)),
    ).toEqual({
      default: { train: ['a.csv', 'sub/b.jsonl'] },
    })
    expect(repositoryLayout(files('README.md', 'loader.py'), undefined)).toBeUndefined()
  })
})

describe('repositoryLayout with the card’s configs', () => {
  const repo = files(
    'en/train.parquet',
    'en/test.parquet',
    'fr/part-0.parquet',
    'fr/part-1.parquet',
    'fr/x/deep.parquet',
  )

  it('matches data_files globs per split, under data_dir, and honours default: true', () => {
    const layout = repositoryLayout(repo, {
      configs: [
        {
          config_name: 'en',
          data_files: [
            { split: 'train', path: 'en/train.*' },
            { split: 'test', path: ['en/test.*'] },
          ],
        },
        { config_name: 'fr', data_dir: 'fr', data_files: 'part-*.parquet', default: true },
        { config_name: 'all', data_files: { train: '**/*.parquet' } },
        { config_name: 'inferred', data_dir: 'en' },
      ],
    })
    expect(shape(layout)).toEqual({
      en: { train: ['en/train.parquet'], test: ['en/test.parquet'] },
      fr: { train: ['fr/part-0.parquet', 'fr/part-1.parquet'] },
      all: { train: repo.map((f) => f.path).sort() },
      inferred: { train: ['en/train.parquet'], test: ['en/test.parquet'] },
    })
    expect(layout?.defaultConfig).toBe('fr')
  })

  it('has no default among several configs unless one is marked or named default', () => {
    const layout = repositoryLayout(repo, {
      configs: [
        { config_name: 'a', data_files: 'en/*' },
        { config_name: 'b', data_files: 'fr/*' },
      ],
    })
    expect(layout?.defaultConfig).toBeUndefined()
  })
})

describe('conversionLayout', () => {
  it('reads {config}/{split}/ and {config}/partial-{split}/ folders', () => {
    const layout = conversionLayout(
      files(
        'default/train/0001.parquet',
        'default/train/0000.parquet',
        'default/partial-test/0000.parquet',
        'other/validation/0000.parquet',
        'README.md',
      ),
    )
    expect(shape(layout)).toEqual({
      default: {
        train: ['default/train/0000.parquet', 'default/train/0001.parquet'],
        test: ['default/partial-test/0000.parquet'],
      },
      other: { validation: ['other/validation/0000.parquet'] },
    })
    expect(layout?.configs.get('default')?.splits.get('test')?.partial).toBe(true)
    expect(layout?.defaultConfig).toBe('default')
  })
})

describe('formatOf', () => {
  it('tells formats and gzip apart by extension', () => {
    expect(formatOf('a/b.parquet')).toEqual({ format: 'parquet', gzip: false })
    expect(formatOf('a/b.jsonl.gz')).toEqual({ format: 'jsonl', gzip: true })
    expect(formatOf('b.JSON')).toEqual({ format: 'jsonl', gzip: false })
    expect(formatOf('b.tsv')).toEqual({ format: 'tsv', gzip: false })
    expect(formatOf('b.arrow')).toEqual({ format: 'other', gzip: false })
  })
})
