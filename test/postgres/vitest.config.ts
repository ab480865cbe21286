// npm run test:postgres: the whole suite again, each test server on PostgreSQL (API.md §14).
// One database per run (made and dropped by postgres-setup.ts), one schema per test server.
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    dir: 'test',
    env: { TEST_DATABASE: 'postgres' },
    globalSetup: ['test/postgres/setup.ts'],
    // Each test server makes its schema and migrates it, and the run shares one machine with
    // the SQLite run's habits: more room than the 5 s / 10 s defaults.
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
})
