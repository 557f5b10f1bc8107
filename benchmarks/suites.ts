import { carSuite } from './car/suite.ts'
import { cliSuite } from './cli/suite.ts'
import { clusterSuite } from './cluster/suite.ts'
import { coreSuite } from './core/suite.ts'
import { csvSuite } from './csv/suite.ts'
import { hfSuite } from './hf/suite.ts'
import { jsonSuite } from './json/suite.ts'
import { knnSuite } from './knn/suite.ts'
import type { Suite } from './lib/suite.ts'
import { mmapVectorsSuite } from './mmap-vectors/suite.ts'
import { parquetSuite } from './parquet/suite.ts'

/** Every suite by name; each lives in its own folder (`benchmarks/<name>/suite.ts`). */
export const suites: Record<string, Suite> = {
  car: carSuite,
  cli: cliSuite,
  cluster: clusterSuite,
  core: coreSuite,
  csv: csvSuite,
  hf: hfSuite,
  json: jsonSuite,
  knn: knnSuite,
  'mmap-vectors': mmapVectorsSuite,
  parquet: parquetSuite,
}
