/**
 * The main entry loads a store driver only when its URL scheme is opened (or its subpath entry is
 * imported): opening SQLite never loads `pg` or the KurrentDB client. Each case is a fresh `node`
 * process running the probe compiled with the sources (test/support/compile-cli.ts; no tsx).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compiledModule } from '../cli/helpers.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const FIXTURE = compiledModule('test/library/fixtures/loaded-modules.ts');
const dir = mkdtempSync(join(tmpdir(), 'orchestral-lazy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const loaded = (...args: string[]): Record<string, boolean> =>
  JSON.parse(execFileSync(process.execPath, [FIXTURE, ...args], { cwd: ROOT, encoding: 'utf8' }).trim()) as Record<string, boolean>;

describe('store adapters load lazily', () => {
  it('importing the main entry loads no driver', () => {
    expect(loaded('-')).toEqual({ pg: false, 'better-sqlite3': false, esdb: false });
  });

  it('opening a SQLite store loads better-sqlite3 and not pg nor the KurrentDB client', () => {
    expect(loaded(`sqlite:${join(dir, 'a.db')}`)).toEqual({ pg: false, 'better-sqlite3': true, esdb: false });
  });

  it('opening memory: loads no driver', () => {
    expect(loaded('memory:')).toEqual({ pg: false, 'better-sqlite3': false, esdb: false });
  });

  it('the postgres and kurrentdb subpath entries load their drivers', () => {
    expect(loaded('-', 'stores/postgres.ts', 'stores/kurrentdb.ts')).toEqual({ pg: true, 'better-sqlite3': false, esdb: true });
  });
});
