import { defineProject } from 'vitest/config'

/**
 * The preset every package's `vitest.config.ts` uses: tests read sibling packages' sources
 * through the `@sd/source` export condition, so no build is needed before `vitest`.
 */
export function sdProject(name: string, overrides: { testTimeout?: number } = {}) {
  return defineProject({
    resolve: { conditions: ['@sd/source'] },
    ssr: { resolve: { conditions: ['@sd/source'] } },
    test: {
      name,
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: overrides.testTimeout ?? 30_000,
      hookTimeout: 120_000,
    },
  })
}
