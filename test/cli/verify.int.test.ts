/**
 * `orchestral verify`, and what show / events / resume do with a tampered store: a fact edited in
 * the SQLite file behind Orchestral's back is refused by every command that reads it (one error
 * line naming stream and revision, exit 1) and listed by `verify` (exit 1); an intact store
 * verifies (exit 0); verify never creates a store.
 */
import { copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, oneLineError, tempDir } from './helpers.ts';
import { cliInProcess } from './in-process.ts';

const tmp = tempDir();
const clean = join(tmp.dir, 'clean.db');
const tampered = join(tmp.dir, 'tampered.db');
const o = (path: string, ...args: string[]) => cli(['--store', `sqlite:${path}`, ...args], { cwd: tmp.dir });
/** As `o`, in this process (in-process.ts). */
const ip = (path: string, ...args: string[]) => cliInProcess(['--store', `sqlite:${path}`, ...args], { cwd: tmp.dir });

beforeAll(async () => {
  writeFileSync(join(tmp.dir, 'ok.yaml'), 'title: ok\nsteps:\n  - { id: a, action: echo, input: { x: 1 } }\n  - { id: b, action: echo, input: { x: 2 }, dependsOn: [a] }\n');
  const r = await o(clean, 'run', 'ok.yaml', '--thread', 't1');
  expect(r.code, r.stderr).toBe(0);
  copyFileSync(clean, tampered);
  const db = new Database(tampered);
  const changed = db.prepare(`UPDATE events SET data = json_set(data, '$.forged', 1) WHERE stream_id = 'thread-t1' AND revision = 2`).run();
  db.close();
  expect(changed.changes).toBe(1);
});
afterAll(() => tmp.cleanup());

describe('orchestral verify', () => {
  it('an intact store: exit 0', async () => {
    const r = await o(clean, 'verify');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/every event matches its checksum/);
  });

  it('a tampered store: lists the damaged event (stream, revision, reason), exit 1; --json too', async () => {
    const r = await ip(tampered, 'verify');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^thread-t1 revision 2 \(position \d+\): checksum mismatch: /m);
    expect(r.stdout).toMatch(/1 damaged event$/m);
    const j = await ip(tampered, 'verify', '--json');
    expect(j.code).toBe(1);
    const lines = j.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([expect.objectContaining({ streamId: 'thread-t1', revision: '2', reason: 'checksum_mismatch' }), { damaged: 1 }]);
  });

  it('show, events and resume refuse the tampered thread: one line naming stream and revision, exit 1', async () => {
    for (const args of [['show', 't1'], ['events', 't1'], ['resume', 't1', '--no-prompt']]) {
      const r = await (args[0] === 'resume' ? o : ip)(tampered, ...args);
      expect(oneLineError(r), args.join(' ')).toMatch(/stream 'thread-t1' revision 2 \(position \d+\) failed its integrity check: checksum mismatch/);
      expect(r.code).toBe(1);
    }
  });

  it('never creates a store: a missing file is an error naming it', async () => {
    const missing = join(tmp.dir, 'nothing', 'events.db');
    const r = await ip(missing, 'verify');
    expect(oneLineError(r)).toContain(missing);
    expect(r.code).toBe(1);
    expect(existsSync(join(tmp.dir, 'nothing'))).toBe(false);
  });
});
