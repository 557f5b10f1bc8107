import { closeSharedPools } from '@sd/core'

/**
 * Closes the decode threads kept warm between passes (they also close by themselves after 2 s
 * without a pass, and never keep the process alive). For a clean shutdown or a test that checks
 * no thread is left.
 */
export function closeParquetWorkers(): Promise<void> {
  return closeSharedPools()
}
