/**
 * Through the real CLI: a step output that is too large only once JSON-encoded (300 KB of \x01
 * bytes, 6 bytes each as \u0001) fails that step like any failed step — typed, recorded, one line —
 * instead of wedging the thread (exit 13, thread left running, every resume re-running the read);
 * and a plan file whose own facts cannot fit is refused before anything is appended.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, dataOf, oneLineError, tempDir, threadEvents } from './helpers.ts';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const plan = (file: string, path: string): string => {
  const p = join(tmp.dir, file);
  writeFileSync(p, `title: read\nsteps:\n  - id: read\n    action: fs.read\n    input: { path: ${path} }\n`);
  return p;
};

describe('oversized facts through the CLI', () => {
  it('fs.read of 300 KB of \\x01: the attempt fails with OUTPUT_TOO_LARGE (both sizes), the thread is not left running, resume re-runs nothing', async () => {
    writeFileSync(join(tmp.dir, 'big.bin'), Buffer.alloc(300_000, 1));
    const store = `sqlite:${join(tmp.dir, 'events.db')}`;
    // the same plan failing an ordinary way (missing file): the oversized output must end the same way
    const control = await cli(['--store', store, 'run', plan('missing.yaml', 'missing.bin'), '--thread', 'control', '--workspace', tmp.dir]);
    const r = await cli(['--store', store, 'run', plan('big.yaml', 'big.bin'), '--thread', 'big', '--workspace', tmp.dir]);

    expect(r.code).not.toBe(13);
    expect(r.code).toBe(control.code);
    expect(r.stderr).toBe('');
    const failedLines = r.stdout.split('\n').filter((l) => l.includes('✗ read failed'));
    expect(failedLines).toHaveLength(1);
    expect(failedLines[0]).toMatch(/step 'read': the output \(fact StepCompleted\) is \d+ bytes after JSON encoding, over the event limit of 1048576 bytes/);

    const events = await threadEvents(store, 'big');
    const failed = events.filter((e) => e.type === 'StepFailed');
    expect(failed).toHaveLength(1);
    expect(dataOf(failed[0]!)['error']).toMatchObject({ code: 'OUTPUT_TOO_LARGE', retryable: false });
    expect(events.some((e) => e.type === 'StepCompleted')).toBe(false);
    const threads = await cli(['--store', store, 'threads', '--json']);
    const big = threads.stdout.trim().split('\n').map((l) => JSON.parse(l) as { threadId: string; status: string; liveInteractions: string[] }).find((t) => t.threadId === 'big');
    expect(big).toMatchObject({ status: 'idle', liveInteractions: [] });

    const resumed = await cli(['--store', store, 'resume', 'big']);
    expect(resumed.code).not.toBe(13);
    expect(resumed.stderr).toBe('');
    const after = await threadEvents(store, 'big');
    expect(after.map((e) => e.id)).toEqual(events.map((e) => e.id)); // nothing ran, nothing appended
  });

  it('a plan file with a 2 MB input string is refused before anything is appended: exit 64, one line naming file:line:col, step, field and sizes', async () => {
    const file = join(tmp.dir, 'huge.yaml');
    writeFileSync(file, `title: huge\nsteps:\n  - id: small\n    action: echo\n    input: { text: hi }\n  - id: big\n    action: echo\n    input:\n      text: ${'y'.repeat(2_000_000)}\n`);
    const store = `sqlite:${join(tmp.dir, 'huge.db')}`;
    const r = await cli(['--store', store, 'run', file, '--thread', 'huge', '--workspace', tmp.dir]);
    expect(r.code).toBe(64);
    const line = oneLineError(r);
    expect(line).toMatch(/huge\.yaml:9:13: step 'big' steps\[1\]\.input\.text: the plan is \d+ bytes after JSON encoding \(this field 2000002 bytes\), over the event limit of 1048576 bytes$/);
    expect(await threadEvents(store, 'huge')).toEqual([]);
  });
});
