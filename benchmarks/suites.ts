import type { Suite } from './lib/suite.ts'

/**
 * Every suite by name, each in its own folder (`benchmarks/<name>/suite.ts`), imported only when it
 * runs: a suite's modules (and the peers they load) would otherwise sit in the heap of every other
 * suite's run and change when its garbage collector runs.
 */
export const suites: Record<string, () => Promise<Suite>> = {
  car: async () => (await import('./car/suite.ts')).carSuite,
  cli: async () => (await import('./cli/suite.ts')).cliSuite,
  cluster: async () => (await import('./cluster/suite.ts')).clusterSuite,
  core: async () => (await import('./core/suite.ts')).coreSuite,
  csv: async () => (await import('./csv/suite.ts')).csvSuite,
  hf: async () => (await import('./hf/suite.ts')).hfSuite,
  json: async () => (await import('./json/suite.ts')).jsonSuite,
  knn: async () => (await import('./knn/suite.ts')).knnSuite,
  'mmap-vectors': async () => (await import('./mmap-vectors/suite.ts')).mmapVectorsSuite,
  parquet: async () => (await import('./parquet/suite.ts')).parquetSuite,
}
