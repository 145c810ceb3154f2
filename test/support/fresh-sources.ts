/**
 * Vitest setup file, run before each test file. The test files of a worker share one process
 * (`isolate: false` in vitest.config.ts: the worker's start and the dependencies from node_modules —
 * zod, xstate, pg, the OpenAI SDK … — are loaded once per worker, not once per file), and this
 * drops the module registry, so each file imports this repository's modules (src/, machines/,
 * projections/, test/) afresh: module-level state such as the process-wide secret registry
 * (src/core/redact.ts), the armed fault point (src/core/fault-points.ts) or a cache starts empty in
 * every file, as it did with one process per file. Process-wide state outside those modules
 * (`process.env`, process listeners, fake timers) is each file's own to restore.
 */
import { vi } from 'vitest';

vi.resetModules();
