/** Test helpers for actions: a context, a temporary workspace, and run-with-validation. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Action, ActionContext, ActionProgress, LlmUsage } from '../../src/actions/action.ts';
import { parseActionInput, parseActionOutput } from '../../src/actions/validate.ts';

export interface TestContext extends ActionContext {
  progress: ActionProgress[];
  /** Sum of `addCost` and of `addUsage` costs, USD. */
  cost: number;
  /** Every `addUsage` call, in order. */
  usage: LlmUsage[];
}

export function makeCtx(workspace: string, signal: AbortSignal = new AbortController().signal): TestContext {
  const ctx: TestContext = {
    signal,
    idempotencyKey: 't1/i1/p1/s1/1',
    workspace,
    attempt: 1,
    progress: [],
    cost: 0,
    usage: [],
    emit: (p) => void ctx.progress.push(p),
    addCost: (usd) => void (ctx.cost += usd),
    addUsage: (u) => {
      ctx.usage.push(u);
      ctx.cost += u.costUsd;
    },
  };
  return ctx;
}

/** Parses the raw input like the executor does, runs, and validates the output. */
export async function runAction(action: Action, raw: unknown, ctx: ActionContext): Promise<unknown> {
  const input = parseActionInput(action, raw);
  return parseActionOutput(action, await action.run(input, ctx));
}

export async function tempDir(prefix = 'orch-act-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Awaits `p` and returns what it rejected with; fails the test when it resolves. */
export async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}
