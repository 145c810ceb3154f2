/**
 * examples/testing/ (the property tests a user copies) runs green from the sources: `node --test`
 * with tsx, the package name resolving to src/ through tsconfig.json's `paths`. The consumer test
 * runs the same file compiled, against the packed package.
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

it('examples/testing/policy.property.test.ts passes', () => {
  const out = execFileSync(process.execPath, ['--import', TSX, '--test', join(ROOT, 'examples/testing/policy.property.test.ts')], { cwd: ROOT, encoding: 'utf8' });
  expect(out).toMatch(/# pass 2/);
  expect(out).toMatch(/# fail 0/);
});
