import { Command, Option } from 'commander'
import { columnTypes, filterValue, nameList, nonNegativeInt, positiveInt } from './parsers.js'

const FORMATS = 'parquet, csv, ndjson, json, car'
const CODECS = ['UNCOMPRESSED', 'SNAPPY', 'GZIP', 'BROTLI', 'ZSTD', 'LZ4', 'LZ4_RAW']
const PROFILES = ['unixfs-v1-2025', 'kubo-cidv1', 'kubo-v0']

/** What `--quiet` leaves out of a command that prints a summary of what it did. */
const QUIET_SUMMARY = 'no progress on stderr and no summary on stdout (errors still go to stderr)'

/**
 * Options every command takes: `--json` (what it means for this command), `-q, --quiet` (progress
 * and banners left out; what the command was asked to print, a table or results, still prints) and
 * `--debug`.
 */
function common(
  command: Command,
  json = 'print the result as JSON, for scripts',
  quiet = QUIET_SUMMARY,
): Command {
  return command
    .option('--json', json)
    .option('-q, --quiet', quiet)
    .option('--debug', 'print the stack of an error')
}

function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`
}

/** The `sd` command line: its commands, options and help, each command run by `run(name, args)`. */
export function createProgram(run: (name: string, args: unknown[]) => Promise<void>): Command {
  const program = new Command('sd')
    .description(
      'Convert, inspect, verify, serve and search datasets: Parquet, CSV, NDJSON, CAR and vectors.',
    )
    .version('0.0.0')
    .showSuggestionAfterError(true)
    .addHelpText(
      'after',
      examples(
        'sd inspect data.parquet',
        'sd head data.csv -n 5',
        'sd convert data.parquet data.car',
        'sd verify data.car',
        'sd serve data.car --port 8080',
        'sd knn build vectors.npy --out index.car',
      ),
    )

  const readOptions = (c: Command) =>
    c
      .option('--columns <names>', 'only these columns, in this order (comma-separated)', nameList)
      .option(
        '--filter <json>',
        'only rows that match, e.g. \'{"year":{"$gte":2020}}\' (or a file holding it)',
        filterValue,
      )
      .option('--from <format>', `the input's format when its name does not tell (${FORMATS}, vectors)`)
      .option('--delimiter <char>', 'CSV field delimiter (default "," or a tab for .tsv)')
      .option(
        '--types <name=type,...>',
        'CSV/JSON column types instead of those inferred from the first batch, e.g. big=int64,zip=string',
        columnTypes,
      )
      .option('--split <name>', 'Hugging Face split (default train)')
      .option('--config <name>', 'Hugging Face config (subset)')
      .option('--revision <rev>', 'Hugging Face branch, tag or commit')
      .option('--dimension <n>', 'components per vector of a raw float32 input (.npy files say)', positiveInt)

  readOptions(
    common(
      program
        .command('convert')
        .description(
          `Convert between ${FORMATS} (either CAR layout), streaming batch by batch in bounded memory. ` +
            "A CAR in the file layout holds a file's exact bytes (with kubo's CID under --profile); in the batch layout, columns as blocks.",
        )
        .argument(
          '<in>',
          'input: a path, an http(s) URL, a gateway URL http://host/ipfs/<cid>, an hf://datasets/org/name/<path> or ipfs://<cid>[/<path>] URL, or hf:org/name',
        )
        .argument('<out>', 'output path; its extension names the format unless --to does'),
    ),
  )
    .option('--to <format>', `the output's format when its name does not tell (${FORMATS})`)
    .option('--batch-size <rows>', 'rows per batch read and written (default 10000)', positiveInt)
    .addOption(
      new Option('--codec <codec>', 'Parquet compression (default SNAPPY)')
        .choices(CODECS)
        .argParser((v) => v.toUpperCase()),
    )
    .option('--row-group-size <rows>', 'Parquet rows per row group (default 100000)', positiveInt)
    .addOption(
      new Option(
        '--layout <layout>',
        'CAR layout: file (the exact bytes) or batches (columns as blocks)',
      ).choices(['file', 'batches']),
    )
    .addOption(
      new Option('--profile <profile>', 'CAR file layout chunking, which decides the CID').choices(PROFILES),
    )
    .addHelpText(
      'after',
      examples(
        'sd convert events.csv events.parquet --codec ZSTD',
        'sd convert events.parquet events.ndjson --columns id,name --filter \'{"id":{"$lt":100}}\'',
        'sd convert events.parquet events.car --profile kubo-cidv1',
        'sd convert events.parquet events.car --layout batches',
        'sd convert events.car events.parquet',
        'sd convert hf:org/name train.parquet --split train',
      ),
    )
    .action((input, output, options) => run('convert', [input, output, options]))

  common(
    program
      .command('inspect')
      .description(
        'Describe a file or URL: format, size, rows and schema; Parquet row groups, codecs and statistics; ' +
          'CAR roots, manifest and blocks; vector dimension and count.',
      )
      .argument('<source>', 'a path or an http(s) URL (a CAR may be a gateway URL)'),
    'print the report as JSON',
    'no progress on stderr (the report still prints)',
  )
    .option('--from <format>', `the format when the name does not tell (${FORMATS}, vectors)`)
    .option('--dimension <n>', 'components per vector of a raw float32 file', positiveInt)
    .option('--delimiter <char>', 'CSV field delimiter')
    .addHelpText(
      'after',
      examples(
        'sd inspect events.parquet',
        'sd inspect events.car --json',
        'sd inspect vectors.f32 --dimension 384',
      ),
    )
    .action((source, options) => run('inspect', [source, options]))

  readOptions(
    common(
      program
        .command('head')
        .description('Print the first rows as an aligned table, or as JSON / NDJSON.')
        .argument(
          '<source>',
          'a path, an http(s), hf://datasets/... or ipfs:// URL, a CAR or gateway URL, or hf:org/name',
        )
        .option('-n, --rows <n>', 'how many rows', positiveInt, 10),
      'a JSON array of row objects',
      'nothing on stderr but errors (the rows still print)',
    ).option('--ndjson', 'one JSON object per line'),
  )
    .addHelpText(
      'after',
      examples(
        'sd head events.parquet -n 5 --columns id,name',
        'sd head events.csv --ndjson',
        'sd head hf:stanfordnlp/imdb --split test',
      ),
    )
    .action((source, options) => run('head', [source, options]))

  common(
    program
      .command('verify')
      .description(
        "Check a CAR: every block's hash against its CID and the DAG's completeness from the roots. Exit status 1 on any fault.",
      )
      .argument('<car>', 'a CAR path or URL'),
    'print the report as JSON',
    'no progress and no report: the exit status tells (errors still go to stderr)',
  )
    .addHelpText('after', examples('sd verify events.car', 'sd verify https://host/events.car --json'))
    .action((car, options) => run('verify', [car, options]))

  common(
    program
      .command('serve')
      .description(
        'Serve CARs as an IPFS trustless gateway (GET /ipfs/<cid>, ?format=raw|car) until Ctrl-C or SIGTERM.',
      )
      .argument('<cars...>', 'CAR files')
      .option('-p, --port <port>', 'port (default: a free one)', nonNegativeInt)
      .option('--host <host>', 'interface to listen on', '127.0.0.1'),
    'print {"url","roots"} as one JSON line',
    'no banner (URL, roots, "stopped"); --json still prints its line',
  )
    .addHelpText(
      'after',
      examples(
        'sd serve events.car --port 8080',
        'curl "http://127.0.0.1:8080/ipfs/<root>?format=car" -o copy.car',
      ),
    )
    .action((cars, options) => run('serve', [cars, options]))

  const knn = program
    .command('knn')
    .description('Build and search nearest-neighbour indexes (@sd/knn) saved as CAR files.')
    .addHelpText(
      'after',
      examples(
        'sd knn build vectors.npy --out index.car',
        'sd knn search index.car --query "[0.1, 0.2, 0.3]" -k 5',
      ),
    )

  common(
    knn
      .command('build')
      .description(
        'Index a vector file (.npy, or raw float32 with --dimension): exact, or IVF with --ivf <lists>.',
      )
      .argument('<vectors>', '.npy or raw float32 file')
      .requiredOption(
        '-o, --out <index.car>',
        'where to save the index (a .npy of the rows is written beside it)',
      ),
  )
    .addOption(
      new Option('--metric <metric>', 'similarity').choices(['cosine', 'euclidean', 'dot']).default('cosine'),
    )
    .option('--ivf <lists>', 'an IVF index with this many k-means lists (about sqrt(rows))', positiveInt)
    .option('--dimension <n>', 'components per vector of a raw float32 file', positiveInt)
    .option('--metadata <table>', 'Parquet, CSV or NDJSON with one row per vector, for search --filter')
    .option(
      '--sample <rows>',
      'IVF: vectors to train k-means on (default 64 per list, at least 10000)',
      positiveInt,
    )
    .option('--seed <n>', 'IVF: k-means seed', nonNegativeInt)
    .addHelpText(
      'after',
      examples(
        'sd knn build vectors.npy --out index.car --metric euclidean',
        'sd knn build vectors.f32 --dimension 384 --ivf 1024 --metadata docs.parquet --out index.car',
      ),
    )
    .action((vectors, options) => run('knn build', [vectors, options]))

  common(
    knn
      .command('search')
      .description('The k nearest rows of a saved index for one or more query vectors, best first.')
      .argument('<index>', 'an index CAR made by sd knn build')
      .requiredOption(
        '--query <json|file>',
        'a vector [0.1, ...], vectors [[...], ...], or a .json/.npy/.f32 file',
      )
      .option('-k, --k <k>', 'results per query', positiveInt, 10)
      .option('--filter <json>', 'only rows whose metadata match, e.g. \'{"lang":"en"}\'', filterValue)
      .option(
        '--nprobe <lists>',
        'IVF: lists scanned per query (more is slower and finds more)',
        positiveInt,
      ),
    'print the results as JSON',
    'no progress on stderr (the results still print)',
  )
    .addHelpText(
      'after',
      examples(
        'sd knn search index.car --query "[0.1, 0.2, 0.3]" -k 5',
        'sd knn search index.car --query queries.npy --filter \'{"lang":"en"}\' --json',
      ),
    )
    .action((index, options) => run('knn search', [index, options]))

  return program
}
