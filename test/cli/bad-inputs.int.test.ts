/**
 * Every bad input through the CLI gives one `orchestral: …` line on stderr (no stack trace
 * unless --debug) and exit 64 (usage: arguments, plan files, store URLs, configuration) or 1
 * (failures: unknown thread, locked store, no such approval). Unknown threads, bad revisions, bad
 * plan files and usage errors run the CLI in this process (in-process.ts: exit code and stderr come
 * from `run`); store URLs, the locked store, the replay divergence, the missing approval and
 * `--debug` run it as a process.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { NO_STREAM } from '../../src/store/event-store.ts';
import { openEventStore } from '../../src/store/open-event-store.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, oneLineError, tempDir, type CliResult } from './helpers.ts';
import { cliInProcess } from './in-process.ts';
import { factCodec } from '../../src/facts/fact-codec.ts';

const tmp = tempDir();
const store = `sqlite:${join(tmp.dir, 'events.db')}`;
const o = (...args: string[]) => cli(['--store', store, ...args], { cwd: tmp.dir });
/** As `o`, in this process. */
const ip = (...args: string[]) => cliInProcess(['--store', store, ...args], { cwd: tmp.dir });
const file = (name: string, text: string): string => {
  const path = join(tmp.dir, name);
  writeFileSync(path, text);
  return name;
};

function expectError(r: CliResult, code: number, message: RegExp): void {
  expect(oneLineError(r)).toMatch(message);
  expect(r.code).toBe(code);
}

beforeAll(async () => {
  file('ok.yaml', 'title: ok\nsteps:\n  - { id: a, action: echo, input: { x: 1 } }\n');
  const r = await o('run', 'ok.yaml', '--thread', 't1');
  expect(r.code).toBe(0);
});
afterAll(() => tmp.cleanup());

describe('bad inputs', () => {
  it('unknown thread: exit 1 for every command that names one', async () => {
    const results = await Promise.all([
      ip('show', 'nope'),
      ip('replay', 'nope'),
      ip('resume', 'nope'),
      ip('approve', 'nope', 'a'),
      ip('inspect', 'nope', '--inspect-url', 'ws://127.0.0.1:9'),
    ]);
    for (const r of results) expectError(r, 1, /thread 'nope' not found/);
  });

  it('bad revisions: exit 64 naming the option and the range', async () => {
    const [notNumber, beyond, replayBeyond] = await Promise.all([
      ip('show', 't1', '--at', 'abc'),
      ip('show', 't1', '--at', '9999'),
      ip('replay', 't1', '--to', '9999'),
    ]);
    expectError(notNumber, 64, /--at: expected a revision .* got 'abc'/);
    expectError(beyond, 64, /--at 9999: thread 't1' has revisions 0\.\.\d+/);
    expectError(replayBeyond, 64, /--to 9999: thread 't1' has revisions/);
  });

  it('malformed and invalid plan files: exit 64 with file:line:col', async () => {
    const syntax = file('syntax.yaml', 'title: x\nsteps:\n  - id: a\n    action: [echo\n');
    const schema = file('schema.yaml', 'steps:\n  - id: a\n    action: echo\n    retry: { maxAttempts: 0 }\n');
    const unknown = file('unknown.yaml', 'steps:\n  - id: a\n    action: echo\n  - id: b\n    action: no.such.action\n');
    const json = file('bad.json', '{ "steps": [ { "id": "a", "action": "echo" }, ] }');
    const cycle = file('cycle.yaml', 'steps:\n  - { id: a, action: echo, dependsOn: [b] }\n  - { id: b, action: echo, dependsOn: [a] }\n');
    const [r1, r2, r3, r4, r5, r6] = await Promise.all([
      ip('run', syntax),
      ip('run', schema),
      ip('run', unknown),
      ip('run', json),
      ip('run', cycle),
      ip('run', 'missing.yaml'),
    ]);
    expectError(r1, 64, /syntax\.yaml:\d+:\d+: invalid YAML/);
    expectError(r2, 64, /schema\.yaml:4:\d+: .*maxAttempts/);
    expectError(r3, 64, /unknown\.yaml:5:13: .*step 'b'.*no\.such\.action/);
    expectError(r4, 64, /bad\.json:1:\d+: invalid JSON/);
    expectError(r5, 64, /cycle\.yaml:\d+:\d+: .*cycle/);
    expectError(r6, 64, /cannot read plan file missing\.yaml/);
  });

  it('store URLs that do not parse (64) and a locked store (1)', async () => {
    const [bogus, empty] = await Promise.all([cli(['--store', 'bogus://x', 'threads']), cli(['--store', 'sqlite://host/x.db', 'threads'])]);
    expectError(bogus, 64, /'bogus:\/\/x' is not a store URL/);
    expectError(empty, 64, /names a host/);
    const holder = new Database(join(tmp.dir, 'events.db'));
    holder.exec('BEGIN IMMEDIATE');
    try {
      const locked = await cli(['--store', store, 'threads'], { env: { ORCHESTRAL_LOCK_TIMEOUT_MS: '100' } });
      expectError(locked, 1, /locked/);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
  });

  it('usage errors: arguments, options, planner configuration, action modules, workspace', async () => {
    const results = await Promise.all([
      ip('run'),
      ip('run', 'ok.yaml', '--intent', 'x'),
      ip('run', '--intent', 'count the files'),
      ip('run', 'ok.yaml', '--actions', 'nowhere.ts'),
      ip('run', 'ok.yaml', '--actions', file('not-actions.mts', 'export const x = 1;\n')),
      ip('run', 'ok.yaml', '--workspace', 'no/such/dir'),
      ip('show', 't1', '--bogus'),
      ip('frobnicate'),
    ]);
    const [none, both, noKey, missingModule, notActions, workspace, option, command] = results;
    expectError(none!, 64, /give a plan file/);
    expectError(both!, 64, /not both/);
    expectError(noKey!, 64, /no OpenAI API key or base URL configured/);
    expectError(missingModule!, 64, /actions module .*nowhere\.ts: file not found/);
    expectError(notActions!, 64, /exports no actions/);
    expectError(workspace!, 64, /--workspace: 'no\/such\/dir' is not a directory/);
    expectError(option!, 64, /unknown option '--bogus'/);
    expectError(command!, 64, /unknown command 'frobnicate'/);
  });

  it('replay --verify reports a divergence from the recorded snapshot hash (1)', async () => {
    const handle = await openEventStore(store, { codec: factCodec });
    try {
      await handle.appendToStream(
        'thread-div',
        [{ id: randomUUID(), type: 'ThreadOpened', data: { threadId: 'div', policy: { kind: 'enqueue' } }, metadata: { snapshotHash: '0000000000000000' } }],
        { expectedRevision: NO_STREAM },
      );
    } finally {
      await handle.close();
    }
    const [verified, plain] = await Promise.all([o('replay', 'div', '--verify'), o('replay', 'div')]);
    expectError(verified, 1, /thread 'div' revision 0: replay diverged \(recorded snapshot hash 0000000000000000, replayed [0-9a-f]{16}\)/);
    expect(plain.code).toBe(0);
  });

  it('no such approval (1), and --debug prints the stack', async () => {
    const [approval, debug] = await Promise.all([o('approve', 't1', 'a'), o('--debug', 'show', 'nope')]);
    expectError(approval, 1, /no pending approval 'a'/);
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(/ThreadNotFoundError: thread 'nope' not found[\s\S]*\n\s+at /);
  });
});
