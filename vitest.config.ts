import { defineConfig } from 'vitest/config';

// Tests import each package's `src` through the `@loci/source` export condition, so no build is
// needed before testing.
// Vitest runs tests in Vite's SSR environment, which reads `ssr.resolve`, not `resolve`: without it a
// package importing another (`@loci/core`) fails to resolve.
const conditions = ['@loci/source', 'import', 'module', 'node', 'default'];
const resolve = { conditions };

export default defineConfig({
  test: {
    projects: [
      {
        resolve,
        ssr: { resolve: { conditions, externalConditions: conditions } },
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts', 'examples/*/src/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', '**/node_modules/**'],
          testTimeout: 20_000,
          // Unit tests run first; projects with different worker counts need distinct groups.
          sequence: { groupOrder: 0 },
        },
      },
      {
        resolve,
        ssr: { resolve: { conditions, externalConditions: conditions } },
        test: {
          name: 'integration',
          include: ['packages/*/src/**/*.int.test.ts', 'examples/*/src/**/*.int.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // Integration tests start servers, child processes and native libraries; two cores.
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
