import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { IntegrationFirstSequencer } from './test/support/sequencer.ts';

const src = (path: string): string => fileURLToPath(new URL(`./src/${path}`, import.meta.url));

export default defineConfig({
  // The package's own name resolves to its sources in tests (as tsconfig.json's `paths` do for tsc and tsx).
  resolve: {
    alias: [
      { find: /^orchestral$/, replacement: src('index.ts') },
      { find: /^orchestral\/(testing|inspect)$/, replacement: src('$1/index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // Compiles the sources to JS once per run for the tests that spawn the CLI (test/support/compile-cli.ts).
    globalSetup: ['test/support/compile-cli.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // One process per worker, not per test file: a file's start then costs its own imports only (about
    // a second of CPU less per file); test/support/fresh-sources.ts gives each file fresh instances of
    // this repository's modules.
    isolate: false,
    setupFiles: ['test/support/fresh-sources.ts'],
    // Vitest's default is one worker fewer than the cores, i.e. a single file at a time on a 2-core
    // CI machine, while most integration files spend their time waiting on child processes, PostgreSQL
    // or timers. One file per core overlaps those waits (override with --maxWorkers).
    maxWorkers: Math.max(2, availableParallelism()),
    // Without durations from an earlier run, the integration files (the minutes-long multi-process
    // ones among them) start first, not last (test/support/sequencer.ts).
    sequence: { sequencer: IntegrationFirstSequencer },
  },
});
