#!/usr/bin/env node
// The `orchestral` command: runs the built CLI (dist/, made by `npm run build`, which `npm ci`,
// `npm install` and `npm pack` run through the `prepare` script). In a checkout that was never
// built, it says how to build instead of failing with a module-not-found trace.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/src/cli/bin.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('orchestral: not built yet (no dist/); run `npm run build` in the package directory');
  process.exit(1);
}
await import(entry.href);
