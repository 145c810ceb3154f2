/**
 * A fleet of `orchestral worker` processes on one store, for the workers bench and the failover
 * test: a 10-step plan with parallel branches and a retried step (`fleetPlan`), threads opened
 * without an owner (`openThreads`), worker processes (`spawnWorker`), and the checks of a finished
 * run (`checkFleet`: every thread completed, each step completed once, replay verified, and no step
 * ran again after it completed, from the side-effect log of `fleet-actions.ts`).
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createActionRegistry } from '../../src/actions/registry.ts';
import { replayThread } from '../../src/history/replay.ts';
import { threadStreamId } from '../../src/history/stream.ts';
import { createRuntime } from '../../src/runtime/runtime.ts';
import type { RecordedEvent } from '../../src/store/event-store.ts';
import { openEventStore } from '../../src/store/open-event-store.ts';
import { factCodec } from '../../src/facts/fact-codec.ts';

export const ROOT = resolve(import.meta.dirname, '../..');
export const FLEET_ACTIONS = join(ROOT, 'bench/workers/fleet-actions.ts');
/** The CLI from its sources (`node --import tsx src/cli/bin.ts`). */
const BIN_ARGS = ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href, join(ROOT, 'src/cli/bin.ts')];

/** The 10 step ids of the fleet plan. */
export const FLEET_STEPS = ['a', 'b1', 'b2', 'b3', 'c', 'd1', 'd2', 'e', 'f', 'g'] as const;

/**
 * The plan: a → (b1 ∥ b2 ∥ b3) → c (fails once, retried after `backoffMs`) → (d1 ∥ d2) → e → f → g.
 * Steps wait `delayMs`; `actions` is the module of `fleet.step`/`fleet.flaky` (default
 * `FLEET_ACTIONS`; tests pass its compiled copy).
 */
export function fleetPlan(delayMs: number, backoffMs = 100, actions = FLEET_ACTIONS): string {
  const s = (id: string, deps: string[], action = 'fleet.step', extra = ''): string =>
    `  - { id: ${id}, action: ${action}, dependsOn: [${deps.join(', ')}], input: { delayMs: ${delayMs} }${extra} }\n`;
  return (
    `title: fleet\nactions: ${actions}\nsteps:\n` +
    s('a', []) +
    s('b1', ['a']) +
    s('b2', ['a']) +
    s('b3', ['a']) +
    s('c', ['b1', 'b2', 'b3'], 'fleet.flaky', `, retry: { maxAttempts: 3, backoffMs: ${backoffMs} }`) +
    s('d1', ['c']) +
    s('d2', ['c']) +
    s('e', ['d1', 'd2']) +
    s('f', ['e']) +
    s('g', ['f'])
  );
}

/** Writes `plan.yaml` (its actions from `actions`) and an empty `sidefx.log` in `dir`; returns the plan's path. */
export function writeFleetPlan(dir: string, delayMs: number, actions = FLEET_ACTIONS): string {
  const file = join(dir, 'plan.yaml');
  writeFileSync(file, fleetPlan(delayMs, 100, actions));
  writeFileSync(join(dir, 'sidefx.log'), '');
  return file;
}

/** The planner descriptor of a fleet thread (static plan, workspace `dir`, actions module `actions`). */
export const fleetDescriptor = (dir: string, actions = FLEET_ACTIONS) => ({ kind: 'static', config: { file: join(dir, 'plan.yaml'), workspace: dir, actions: [actions] } });

/**
 * Opens `ids` with their first input from this process without owning them (append mode): they
 * wait for a worker, which runs them with the actions module `actions`.
 */
export async function openThreads(url: string, dir: string, ids: readonly string[], actions = FLEET_ACTIONS): Promise<void> {
  const store = await openEventStore(url, { codec: factCodec });
  const runtime = createRuntime({
    store,
    actions: createActionRegistry([]),
    plannerFor: () => {
      throw new Error('not used in append mode');
    },
    ownership: { mode: 'append' },
  });
  try {
    for (const threadId of ids) await runtime.openThread({ threadId, planner: fleetDescriptor(dir, actions), input: { text: 'go' } });
  } finally {
    await runtime.close();
    await store.close();
  }
}

/** A worker process and what it printed. */
export interface FleetWorker {
  id: string;
  child: ChildProcess;
  pid: number;
  /** Threads it claimed (each time), in order. */
  claimed: string[];
  /** Threads it ran until they settled. */
  released: Set<string>;
  stdout(): string;
  stderr(): string;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts `orchestral --store url worker --id id …` in `cwd`: the CLI from its sources through tsx,
 * or `o.bin`, a compiled CLI entry (JS) that `node` runs as it is.
 */
export function spawnWorker(url: string, id: string, cwd: string, o: { concurrency: number; pollMs?: number; leaseTtlMs?: number; bin?: string }): FleetWorker {
  const args = [...(o.bin === undefined ? BIN_ARGS : [o.bin]), '--store', url, 'worker', '--id', id, '--concurrency', String(o.concurrency), '--poll', String(o.pollMs ?? 200), '--lease-ttl', String(o.leaseTtlMs ?? 4000)];
  const child = spawn(process.execPath, args, {
    cwd,
    env: { ...process.env, NO_COLOR: '1', OPENAI_API_KEY: '', OPENAI_BASE_URL: '', ORCHESTRAL_STORE: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let partial = '';
  const w: FleetWorker = {
    id,
    child,
    pid: child.pid!,
    claimed: [],
    released: new Set(),
    stdout: () => out,
    stderr: () => err,
    done: new Promise((res) => child.on('close', (code, signal) => res({ code, signal }))),
  };
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    const lines = (partial + d.toString()).split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      const m = /: (claimed|released) (\S+)/.exec(line);
      if (m?.[1] === 'claimed') w.claimed.push(m[2]!);
      if (m?.[1] === 'released') w.released.add(m[2]!);
    }
  });
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return w;
}

/** Polls `probe` every 50 ms until it holds. @throws Error after `timeoutMs`. Returns the wait, ms. */
export async function waitFor(what: string, probe: () => boolean | Promise<boolean>, timeoutMs = 120_000): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await probe()) return Date.now() - start;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every fact of a thread. */
export async function readThread(url: string, threadId: string): Promise<RecordedEvent[]> {
  const store = await openEventStore(url, { codec: factCodec });
  try {
    const out: RecordedEvent[] = [];
    for await (const e of store.readStream(threadStreamId(threadId))) out.push(e);
    return out;
  } finally {
    await store.close();
  }
}

/** What `checkFleet` found; every list empty = the run is correct. */
export interface FleetCheck {
  /** Threads without InteractionCompleted, or with InteractionFailed. */
  unfinished: string[];
  /** `thread/step: n` for steps without exactly one StepCompleted. */
  completedTwiceOrNever: string[];
  /** Threads whose `replayThread(..., { verify: true })` threw, with the error. */
  replayFailed: string[];
  /** Steps that started again after an execution of theirs ended, by a process that lived on (so its result was recorded). */
  ranAfterCompleted: string[];
  /** Steps that started again after an execution ended in a process that then died before recording it (allowed: at-least-once). */
  rerunAfterLostResult: number;
  /**
   * Steps that started again after an execution ended, before the stop signal was sent (see
   * `stoppedAtLine`), in a process that was then stopped (SIGTERM): its result had arrived, so the
   * graceful stop should have recorded it.
   */
  rerunAfterStop: number;
  /**
   * Steps that started again after an execution that ended in a stopped process once the stop had
   * begun (at or after `stoppedAtLine` of the log): a graceful stop drops the results of runs still
   * going when it begins, so these run again (at-least-once, allowed).
   */
  rerunAfterStopping: number;
  /** Attempts started more than once (a process died or stopped mid-attempt; same idempotency key). */
  attemptsRerun: number;
  /** Side-effect executions in total (`start` lines). */
  executions: number;
}

/** Lines of `dir`'s side-effect log so far (see `checkFleet`'s `stoppedAtLine`). */
export function sideEffectLines(dir: string): number {
  return readFileSync(join(dir, 'sidefx.log'), 'utf8').split('\n').filter((l) => l !== '').length;
}

/**
 * Checks a finished fleet run on `url` for `ids`; `diedPids` are the processes killed and
 * `stoppedPids` those stopped by SIGTERM, `stoppedAtLine` the number of lines the side-effect log
 * held when the stop signal was sent (`sideEffectLines`; default: the end of the log, every
 * execution counted as ended before the stop). Reads every thread once and the side-effect log of `dir`.
 */
export async function checkFleet(
  url: string,
  dir: string,
  ids: readonly string[],
  diedPids: readonly number[],
  stoppedPids: readonly number[] = [],
  stoppedAtLine = Number.POSITIVE_INFINITY,
): Promise<FleetCheck> {
  const out: FleetCheck = {
    unfinished: [],
    completedTwiceOrNever: [],
    replayFailed: [],
    ranAfterCompleted: [],
    rerunAfterLostResult: 0,
    rerunAfterStop: 0,
    rerunAfterStopping: 0,
    attemptsRerun: 0,
    executions: 0,
  };
  const store = await openEventStore(url, { codec: factCodec });
  try {
    for (const id of ids) {
      const events: RecordedEvent[] = [];
      for await (const e of store.readStream(threadStreamId(id))) events.push(e);
      if (!events.some((e) => e.type === 'InteractionCompleted') || events.some((e) => e.type === 'InteractionFailed')) out.unfinished.push(id);
      const completed = new Map<string, number>();
      for (const e of events) {
        if (e.type !== 'StepCompleted') continue;
        const stepId = String((e.data as Record<string, unknown>)['stepId']);
        completed.set(stepId, (completed.get(stepId) ?? 0) + 1);
      }
      for (const s of FLEET_STEPS) if (completed.get(s) !== 1) out.completedTwiceOrNever.push(`${id}/${s}: ${completed.get(s) ?? 0}`);
      try {
        await replayThread(store, id, { verify: true });
      } catch (err) {
        out.replayFailed.push(`${id}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  } finally {
    await store.close();
  }
  const lines = readFileSync(join(dir, 'sidefx.log'), 'utf8').split('\n').filter((l) => l !== '');
  const died = new Set(diedPids.map(String));
  const stopped = new Set(stoppedPids.map(String));
  const endedBy = new Map<string, { pid: string; line: number }>(); // step (key without attempt) → its first end
  const startedKeys = new Set<string>();
  for (const [index, line] of lines.entries()) {
    const [what, key, pid] = line.split(' ') as [string, string, string];
    const stepKey = key.slice(0, key.lastIndexOf('/'));
    if (what === 'start') {
      out.executions += 1;
      if (startedKeys.has(key)) out.attemptsRerun += 1;
      startedKeys.add(key);
      const ended = endedBy.get(stepKey);
      if (ended !== undefined) {
        if (died.has(ended.pid)) out.rerunAfterLostResult += 1;
        else if (stopped.has(ended.pid) && ended.line >= stoppedAtLine) out.rerunAfterStopping += 1;
        else if (stopped.has(ended.pid)) out.rerunAfterStop += 1;
        else out.ranAfterCompleted.push(`${key} (ended in pid ${ended.pid}, started again in pid ${pid})`);
      }
    } else if (what === 'end' && !endedBy.has(stepKey)) endedBy.set(stepKey, { pid, line: index });
  }
  return out;
}
