/**
 * Inputs that used to be accepted or crash, through the CLI: unknown plan keys, nesting and
 * alias bombs, commands that must not create a store, exit codes of failed plans, bad
 * `ORCHESTRAL_*` values and thread ids. Each error is one `orchestral: …` line with the right exit
 * code, and no store file or directory is left behind. The errors raised before any store is
 * opened run the CLI in this process (in-process.ts); a spawned CLI checks the same contract for
 * one of them, and runs the plans that run to the end.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, oneLineError, tempDir, threadEvents, type CliResult } from './helpers.ts';
import { cliInProcess } from './in-process.ts';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/**
 * A fresh working directory holding `files`; the CLI runs there with its default store: `run` in
 * this process, `spawn` as a process.
 */
function workdir(name: string, files: Record<string, string> = {}): { dir: string; run(...args: string[]): Promise<CliResult>; spawn(...args: string[]): Promise<CliResult>; entries(): string[] } {
  const dir = join(tmp.dir, name);
  mkdirSync(dir);
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
  const names = new Set(Object.keys(files));
  return {
    dir,
    run: (...args) => cliInProcess(args, { cwd: dir }),
    spawn: (...args) => cli(args, { cwd: dir }),
    entries: () => readdirSync(dir).filter((e) => !names.has(e)),
  };
}

function expectError(r: CliResult, code: number, message: RegExp): void {
  expect(oneLineError(r)).toMatch(message);
  expect(r.code).toBe(code);
}

describe('plan files', () => {
  it('unknown keys at step, plan, retry and budget level: 64, file:line:col of the key, a suggestion, no store', async () => {
    const w = workdir('keys', {
      'step.yaml': 'steps:\n  - id: a\n    action: echo\n    requireApproval: true\n',
      'plan.yaml': 'failurepolicy: continue\nsteps:\n  - { id: a, action: echo }\n',
      'retry.json': '{"steps": [{"id": "a", "action": "echo",\n  "retry": {"maxAttempts": 3, "backoff": 100}}]}',
      'budget.yaml': 'budget: { limitUsd: 1, onExced: fail }\nsteps:\n  - { id: a, action: echo }\n',
    });
    const [step, plan, retry, budget] = await Promise.all(['step.yaml', 'plan.yaml', 'retry.json', 'budget.yaml'].map((f) => w.run('run', f)));
    expectError(step!, 64, /^orchestral: step\.yaml:4:5: invalid plan: steps\[0\] \(id 'a'\): unknown key 'requireApproval' \(did you mean 'requiresApproval'\?\)$/);
    expectError(plan!, 64, /^orchestral: plan\.yaml:1:1: .*unknown key 'failurepolicy' \(did you mean 'failurePolicy'\?\)$/);
    expectError(retry!, 64, /^orchestral: retry\.json:2:31: .*retry: unknown key 'backoff' \(did you mean 'backoffMs'\?\)$/);
    expectError(budget!, 64, /^orchestral: budget\.yaml:1:24: .*budget: unknown key 'onExced' \(did you mean 'onExceed'\?\)$/);
    expect(w.entries()).toEqual([]);
  });

  it('a 1,000-deep JSON plan and a YAML alias bomb: 64 with file:line:col, no crash, no store', async () => {
    const deep = `{"steps":[{"id":"a","action":"echo","input":{"x":${'['.repeat(996)}${']'.repeat(996)}}}]}`;
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++) bomb.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(', ')}]`);
    const w = workdir('bombs', { 'deep.json': deep, 'bomb.yaml': `${bomb.join('\n')}\nsteps:\n  - { id: a, action: echo, input: { x: *i } }\n` });
    const [d, b] = await Promise.all([w.run('run', 'deep.json'), w.run('run', 'bomb.yaml')]);
    expect(d.signal).toBeNull();
    expectError(d, 64, /^orchestral: deep\.json:1:\d+: invalid plan: collections nest deeper than 64 levels$/);
    expectError(b, 64, /^orchestral: bomb\.yaml:2:8: invalid YAML: aliases expand to too many nodes/);
    expect(w.entries()).toEqual([]);
  });

  it('a plan refused by the registry check (unknown action) creates no store', async () => {
    const w = workdir('refused', { 'p.yaml': 'steps:\n  - { id: a, action: no.such.action }\n' });
    expectError(await w.run('run', 'p.yaml'), 64, /p\.yaml:2:22: .*unknown action 'no\.such\.action'/);
    expect(w.entries()).toEqual([]);
  });
});

describe('commands that need an existing store never create one', () => {
  it('every command but run, on a missing SQLite file: exit 1 naming the file; nothing created', async () => {
    const w = workdir('readonly');
    const missing = join(w.dir, 'no', 'dir', 'x.db');
    const commands = [
      ['threads'],
      ['show', 't'],
      ['events', 't'],
      ['replay', 't'],
      ['inspect', 't', '--inspect-url', 'ws://127.0.0.1:9'],
      ['fork', 't', '--at', '0'],
      ['approve', 't', 'a'],
      ['reject', 't', 'a'],
      ['send', 't', 'hi'],
      ['cancel', 't'],
      ['resume', 't'],
      ['verify'],
    ];
    const results: CliResult[] = [];
    for (let i = 0; i < commands.length; i += 4) results.push(...(await Promise.all(commands.slice(i, i + 4).map((c) => w.run('--store', `sqlite:${missing}`, ...c)))));
    results.forEach((r) => expectError(r, 1, new RegExp(`cannot open event store '${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}': no such store: the file does not exist`)));
    // the default store (.orchestral/events.db under the working directory) is not created either
    const defaults = await Promise.all([w.spawn('threads'), w.run('show', 't'), w.run('events', 't')]);
    defaults.forEach((r) => expectError(r, 1, /events\.db': no such store/));
    const machines = await w.run('machines', '--json');
    expect(machines.code).toBe(0);
    expect(w.entries()).toEqual([]);
  });
});

describe('exit codes', () => {
  const failing = 'input: { path: missing.txt }';
  it('a plan whose steps failed exits 1 under continue and fail_fast; the plan finishes failed; --json says so', async () => {
    const w = workdir('failed', {
      'all.yaml': `failurePolicy: continue\nsteps:\n  - { id: a, action: fs.read, ${failing} }\n  - { id: b, action: fs.read, ${failing} }\n`,
      'some.yaml': `failurePolicy: continue\nsteps:\n  - { id: ok, action: echo, input: { x: 1 } }\n  - { id: bad, action: fs.read, ${failing} }\n`,
      'fast.yaml': `steps:\n  - { id: bad, action: fs.read, ${failing} }\n`,
    });
    const all = await w.spawn('run', 'all.yaml', '--thread', 'all');
    expect(all.code).toBe(1);
    expect(all.stdout, all.stderr).toMatch(/✗ failed \(i1\): steps '(a', 'b|b', 'a)' failed/);
    const some = await w.spawn('run', 'some.yaml', '--thread', 'some', '--json');
    expect(some.code).toBe(1);
    const outcome = JSON.parse(some.stdout.trim().split('\n').at(-1)!) as { status: string; exitCode: number };
    expect(outcome).toMatchObject({ status: 'failed', exitCode: 1 });
    expect((await w.spawn('run', 'fast.yaml', '--thread', 'fast')).code).toBe(1);
    const facts = await threadEvents(`sqlite:${join(w.dir, '.orchestral/events.db')}`, 'some');
    expect(facts.find((e) => e.type === 'PlanFinished')?.data).toMatchObject({ outcome: 'failed' });
    expect(facts.filter((e) => e.type === 'StepCompleted')).toHaveLength(1); // continue ran the independent step
  });
});

describe('environment variables and thread ids', () => {
  it('a bad ORCHESTRAL_* value is a usage error (64) naming the variable; empty means unset', async () => {
    const w = workdir('env', { 'ok.yaml': 'steps:\n  - { id: a, action: echo, input: { x: 1 } }\n' });
    const env = (vars: Record<string, string>, ...args: string[]) => cliInProcess(args, { cwd: w.dir, env: vars });
    const [lock, store, allow, model, writeAllow, fault] = await Promise.all([
      env({ ORCHESTRAL_LOCK_TIMEOUT_MS: 'abc' }, 'run', 'ok.yaml'),
      env({ ORCHESTRAL_STORE: 'bogus' }, 'threads'),
      env({ ORCHESTRAL_HTTP_ALLOW: 'https://example.com/' }, 'run', 'ok.yaml'),
      env({ ORCHESTRAL_MODEL: 'gpt 4' }, 'run', 'ok.yaml'),
      env({ ORCHESTRAL_FS_WRITE_ALLOW: '/tmp/out/' }, 'threads'), // checked even by a command that does not use it
      env({ ORCHESTRAL_FAULT: 'kill:nowhere' }, 'run', 'ok.yaml'),
    ]);
    expectError(lock, 64, /^orchestral: ORCHESTRAL_LOCK_TIMEOUT_MS: expected a number of ms .*, got 'abc'$/);
    expectError(store, 64, /^orchestral: ORCHESTRAL_STORE: expected a store URL .*, got 'bogus'$/);
    expectError(allow, 64, /^orchestral: ORCHESTRAL_HTTP_ALLOW: expected comma-separated hosts .*, got 'https:\/\/example\.com\/'$/);
    expectError(model, 64, /^orchestral: ORCHESTRAL_MODEL: expected a model name .*, got 'gpt 4'$/);
    expectError(writeAllow, 64, /^orchestral: ORCHESTRAL_FS_WRITE_ALLOW: expected comma-separated paths or globs .*, got '\/tmp\/out\/'$/);
    expectError(fault, 64, /^orchestral: ORCHESTRAL_FAULT: expected kill:<point>/);
    expect(w.entries()).toEqual([]);
    const fine = await cli(['run', 'ok.yaml'], { cwd: w.dir, env: { ORCHESTRAL_LOCK_TIMEOUT_MS: '', ORCHESTRAL_STORE: `sqlite:${join(w.dir, 's.db')}`, ORCHESTRAL_HTTP_ALLOW: 'example.com, *.example.org:8443' } });
    expect(fine.code).toBe(0);
    expect(existsSync(join(w.dir, 's.db'))).toBe(true);
  });

  it('a thread id that cannot be a stream name is a usage error (64) naming the allowed characters; nothing created', async () => {
    const w = workdir('ids', { 'ok.yaml': 'steps:\n  - { id: a, action: echo, input: { x: 1 } }\n' });
    const [run, empty, show, fork] = await Promise.all([
      w.run('run', 'ok.yaml', '--thread', '../x y'),
      w.run('run', 'ok.yaml', '--thread', ''),
      w.run('show', 'a/b'),
      w.run('fork', 't', '--at', '0', '--id', 'new id'),
    ]);
    expectError(run, 64, /^orchestral: --thread: '\.\.\/x y' is not a thread id \(1–128 characters of A-Z a-z 0-9 _ \. : -\)$/);
    expectError(empty, 64, /--thread: '' is not a thread id/);
    expectError(show, 64, /<thread>: 'a\/b' is not a thread id/);
    expectError(fork, 64, /--id: 'new id' is not a thread id/);
    expect(w.entries()).toEqual([]);
  });
});
