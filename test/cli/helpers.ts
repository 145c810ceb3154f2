/**
 * Spawning the real `orchestral` CLI in tests, each test with its own temporary workspace and
 * SQLite store. The CLI runs from its sources as they are, not the last build: vitest's global
 * setup (test/support/compile-cli.ts) transpiles them to JS once per run, and `node` runs that
 * (no tsx loader at each spawn). The packed package's `bin` is run by the consumer test.
 */
import { afterEach, beforeEach, inject } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { RecordedEvent } from '../../src/store/event-store.ts';
import { openEventStore } from '../../src/store/open-event-store.ts';
import { factCodec } from '../../src/facts/fact-codec.ts';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../support/fake-openai-server.ts';

/** The repository root, the CLI's compiled entry (from `src/cli/bin.ts`), and the node arguments that run it (before the CLI's own). */
export const ROOT = resolve(import.meta.dirname, '../..');
export const BIN = inject('cliBin');
export const NODE_ARGS: readonly string[] = [BIN];

/**
 * The compiled JS copy of a module that test/support/compile-cli.ts builds beside the CLI (its
 * `TEST_MODULES`: action modules for plans run by spawned CLIs, child-process fixtures): it imports
 * the CLI's own compiled modules, with no tsx.
 * @param path the TypeScript module, relative to the repository root (e.g. `test/cli/fixtures/sidefx-actions.ts`).
 * @returns the absolute path of its `.js` copy.
 * @throws Error when the module is not one compile-cli.ts compiles.
 */
export function compiledModule(path: string): string {
  const out = join(BIN, '..', '..', '..', path.replace(/\.ts$/, '.js'));
  if (!existsSync(out)) throw new Error(`compiledModule: ${path} is not compiled with the CLI (TEST_MODULES in test/support/compile-cli.ts)`);
  return out;
}

/** What a CLI run produced. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A temporary directory (removed by `cleanup`). */
export function tempDir(prefix = 'orchestral-cli-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A test's workspace with a fake OpenAI server: read its fields inside a test (they change per test). */
export interface FakeOpenAIServerWorkspace {
  /** The temporary directory (the CLI's working directory in these tests). */
  readonly dir: string;
  /** `sqlite:<dir>/events.db`. */
  readonly store: string;
  /** The fake chat-completions server (`baseURL`, `reply`, `requests`). */
  readonly server: FakeOpenAIServer;
}

/**
 * Registers `beforeEach`/`afterEach` hooks giving every test of the calling file a fresh temporary
 * directory, a SQLite store URL in it and a fake OpenAI server; both are removed after the test.
 * @returns the current test's workspace (its getters throw outside a test).
 */
export function useFakeOpenAIServerWorkspace(): FakeOpenAIServerWorkspace {
  let current: { tmp: { dir: string; cleanup(): void }; store: string; server: FakeOpenAIServer } | undefined;
  beforeEach(async () => {
    const tmp = tempDir();
    current = { tmp, store: `sqlite:${join(tmp.dir, 'events.db')}`, server: await startFakeOpenAIServer() };
  });
  afterEach(async () => {
    const c = current;
    current = undefined;
    if (c === undefined) return;
    await c.server.close();
    c.tmp.cleanup();
  });
  const now = () => {
    if (current === undefined) throw new Error('useFakeOpenAIServerWorkspace: read inside a test');
    return current;
  };
  return {
    get dir() {
      return now().tmp.dir;
    },
    get store() {
      return now().store;
    },
    get server() {
      return now().server;
    },
  };
}

/** Options of `cli`. */
export interface CliOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
}

/** Starts the CLI; the caller waits on `done`. NO_COLOR keeps outputs plain. */
export function startCli(args: readonly string[], o: CliOptions = {}): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [...NODE_ARGS, ...args], {
    cwd: o.cwd ?? ROOT,
    env: { ...process.env, NO_COLOR: '1', OPENAI_API_KEY: '', OPENAI_BASE_URL: '', ORCHESTRAL_STORE: '', ...o.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliResult>((res) => child.on('close', (code, signal) => res({ code, signal, stdout, stderr })));
  return { child, done };
}

/** Runs the CLI to the end. */
export function cli(args: readonly string[], o: CliOptions = {}): Promise<CliResult> {
  return startCli(args, o).done;
}

/** Every event of a thread, read with a store handle of this process (the CLI may be running). */
export async function threadEvents(storeUrl: string, threadId: string): Promise<RecordedEvent[]> {
  const store = await openEventStore(storeUrl, { codec: factCodec });
  try {
    const out: RecordedEvent[] = [];
    if ((await store.streamRevision(`thread-${threadId}`)) === undefined) return out;
    for await (const e of store.readStream(`thread-${threadId}`)) out.push(e);
    return out;
  } finally {
    await store.close();
  }
}

/** The `data` of a fact as a loose record. */
export const dataOf = (e: RecordedEvent): Record<string, unknown> => e.data as Record<string, unknown>;

/** Asserts the one-line error contract: exactly one stderr line starting `orchestral:` and no stack trace. */
export function oneLineError(r: CliResult): string {
  const lines = r.stderr.trimEnd().split('\n');
  if (lines.length !== 1 || !lines[0]!.startsWith('orchestral: ') || /\n\s+at /.test(r.stderr)) {
    throw new Error(`expected one 'orchestral: …' line on stderr, got (exit ${String(r.code)}, signal ${String(r.signal)}):\n${r.stderr}\nstdout:\n${r.stdout}`);
  }
  return lines[0]!;
}
