import { quantile as sortedQuantile } from '@sd/core'

/** The `q` quantile (0..1) of unsorted `values` (core's `quantile` after a sort); NaN for none. */
export function quantile(values: readonly number[], q: number): number {
  return sortedQuantile(
    [...values].sort((a, b) => a - b),
    q,
  )
}

/** The median of `values`; NaN for none. */
export function median(values: readonly number[]): number {
  return quantile(values, 0.5)
}

/** The median of the defined values, or undefined when there are none. */
export function medianOf(values: readonly (number | undefined)[]): number | undefined {
  const defined = values.filter((v): v is number => v !== undefined && Number.isFinite(v))
  return defined.length > 0 ? median(defined) : undefined
}
