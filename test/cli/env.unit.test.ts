/** ORCHESTRAL_* environment variables: one parser each, a UsageError (exit 64) naming the variable. */
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { checkThreadIds, parseThreadId } from '../../src/cli/args.ts';
import { exitCodeFor } from '../../src/cli/cli-errors.ts';
import { checkEnvironment, envFaultSpec, envFsWriteAllow, envHttpAllow, envLockTimeoutMs, envModel, envStoreUrl, readEnv } from '../../src/cli/env.ts';

function usage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(exitCodeFor(err)).toBe(64);
    return (err as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('readEnv and the variables', () => {
  it('unset or empty is undefined; a value that does not parse names the variable, the expectation and the value', () => {
    expect(readEnv('X', 'a thing', () => 1, {})).toBeUndefined();
    expect(readEnv('X', 'a thing', () => 1, { X: '' })).toBeUndefined();
    expect(usage(() => readEnv('X', 'a thing', () => undefined, { X: 'nope' }))).toBe("X: expected a thing, got 'nope'");
  });

  it('ORCHESTRAL_LOCK_TIMEOUT_MS: an integer number of ms', () => {
    expect(envLockTimeoutMs({ ORCHESTRAL_LOCK_TIMEOUT_MS: '0' })).toBe(0);
    expect(envLockTimeoutMs({ ORCHESTRAL_LOCK_TIMEOUT_MS: '2500' })).toBe(2500);
    for (const bad of ['abc', '-1', '1.5', '1e3', ' 5', '99999999999']) {
      expect(usage(() => envLockTimeoutMs({ ORCHESTRAL_LOCK_TIMEOUT_MS: bad }))).toMatch(/^ORCHESTRAL_LOCK_TIMEOUT_MS: expected a number of ms/);
    }
  });

  it('ORCHESTRAL_MODEL, ORCHESTRAL_HTTP_ALLOW, ORCHESTRAL_STORE', () => {
    expect(envModel({ ORCHESTRAL_MODEL: 'openai/gpt-oss-20b:free' })).toBe('openai/gpt-oss-20b:free');
    expect(usage(() => envModel({ ORCHESTRAL_MODEL: 'gpt 4' }))).toMatch(/^ORCHESTRAL_MODEL: expected a model name/);
    expect(envHttpAllow({ ORCHESTRAL_HTTP_ALLOW: 'example.com, *.example.org:8443,[::1]:8080' })).toEqual(['example.com', '*.example.org:8443', '[::1]:8080']);
    for (const bad of ['https://example.com', 'example.com/path', '*', 'a b']) {
      expect(usage(() => envHttpAllow({ ORCHESTRAL_HTTP_ALLOW: bad }))).toMatch(/^ORCHESTRAL_HTTP_ALLOW: expected comma-separated hosts/);
    }
    expect(envStoreUrl({ ORCHESTRAL_STORE: 'memory:' })).toBe('memory:');
    expect(usage(() => envStoreUrl({ ORCHESTRAL_STORE: 'sqlite://host/x.db' }))).toMatch(/^ORCHESTRAL_STORE: expected a store URL/);
  });
});

describe('ORCHESTRAL_FS_WRITE_ALLOW, ORCHESTRAL_FAULT and checkEnvironment', () => {
  it('write patterns stay inside the workspace; fault specs name a known point', () => {
    expect(envFsWriteAllow({ ORCHESTRAL_FS_WRITE_ALLOW: 'out/, docs/*.md,**/*.txt' })).toEqual(['out/', 'docs/*.md', '**/*.txt']);
    for (const bad of ['/tmp/out/', 'out/,../x', 'a/../../b', 'C:\\out']) {
      expect(usage(() => envFsWriteAllow({ ORCHESTRAL_FS_WRITE_ALLOW: bad }))).toMatch(/^ORCHESTRAL_FS_WRITE_ALLOW: expected comma-separated paths or globs relative to the workspace/);
    }
    expect(envFaultSpec({ ORCHESTRAL_FAULT: 'kill:step.before-action:2' })).toEqual({ point: 'step.before-action', nth: 2 });
    expect(usage(() => envFaultSpec({ ORCHESTRAL_FAULT: 'kill:nowhere' }))).toMatch(/^ORCHESTRAL_FAULT: expected kill:<point>\[:<n>\]/);
  });

  it('checkEnvironment reports the first bad variable, whichever command runs', () => {
    expect(() => checkEnvironment({ ORCHESTRAL_MODEL: 'gpt-4.1-mini', ORCHESTRAL_LOCK_TIMEOUT_MS: '' })).not.toThrow();
    expect(usage(() => checkEnvironment({ ORCHESTRAL_HTTP_ALLOW: 'http://x' }))).toMatch(/^ORCHESTRAL_HTTP_ALLOW: /);
    expect(usage(() => checkEnvironment({ ORCHESTRAL_FS_WRITE_ALLOW: '/abs' }))).toMatch(/^ORCHESTRAL_FS_WRITE_ALLOW: /);
  });
});

describe('thread ids', () => {
  it('1–128 of A-Z a-z 0-9 _ . : -', () => {
    expect(parseThreadId('nightly-2024.01:a_b', '<thread>')).toBe('nightly-2024.01:a_b');
    for (const bad of ['', '../x y', 'a/b', 'x'.repeat(129), 'é']) expect(usage(() => parseThreadId(bad, '<thread>'))).toMatch(/is not a thread id \(1–128 characters of A-Z a-z 0-9 _ \. : -\)$/);
  });

  it('checkThreadIds covers <thread> arguments and <thread>-valued options only', () => {
    const cmd = new Command('x').argument('<thread>').argument('<step>').option('--id <thread>').option('--reason <text>');
    cmd.parse(['t1', 'any step', '--reason', 'a b'], { from: 'user' });
    expect(() => checkThreadIds(cmd, ['t1', 'any step'])).not.toThrow();
    expect(usage(() => checkThreadIds(cmd, ['t 1', 'x']))).toBe("<thread>: 't 1' is not a thread id (1–128 characters of A-Z a-z 0-9 _ . : -)");
    cmd.parse(['t1', 's', '--id', 'no good'], { from: 'user' });
    expect(usage(() => checkThreadIds(cmd, ['t1', 's']))).toMatch(/^--id: 'no good' is not a thread id/);
  });
});
