/**
 * Driving a thread in the foreground until it settles (completed, failed, or waiting for a
 * person), with live progress, optional approval prompts on a terminal, and the exit code:
 * 0 every followed interaction completed; 1 one failed or was cancelled, or its last plan has a
 * failed step (run-outcome.ts); 2 paused (waiting for an
 * approval or input, interrupted, or the input is queued); 3 is decided by the caller (rejected input).
 * When the thread's runner stops (a fact could not be appended: disk full, I/O), `driveThread`
 * rejects with ThreadStoppedError after stopping the progress display; the CLI prints one line, exit 1.
 */
import { createInterface } from 'node:readline/promises';
import { pendingApprovalDetails, summaryState, type ApprovalDetails } from '../history.ts';
import type { ThreadSummary } from '../index.ts';
import type { InteractionView } from '../history.ts';
import type { EventStore } from '../index.ts';
import { EXIT } from './exit-codes.ts';
import type { CliIo } from './io.ts';
import { toJsonLine } from './json.ts';
import { progressMode, startProgress } from './progress.ts';
import type { CliSession } from './session.ts';
import { nextCommand } from './next-command.ts';
import { failedStepsOfLastPlan, runOutcome } from './run-outcome.ts';
import { approvalLines, approvalTarget } from './render/approval-text.ts';
import { safeText } from './render/safe-text.ts';

/** Options of `driveThread`. */
export interface DriveOptions {
  threadId: string;
  /** The interactions whose outcome decides the exit code (default: the live ones, else the latest). */
  interactionIds?: string[];
  /** Print facts as JSON lines instead of the table. */
  json: boolean;
  /** Ask for pending approvals on the terminal (only when stdin and stdout are terminals). */
  prompt: boolean;
  /** Who approves at the prompt. */
  by: string;
  /** The `--store` URL, repeated in the next commands printed. */
  storeUrl: string;
  /** Revision from which `--json` prints facts. */
  fromRevision: bigint;
}

/** Outcome of a drive. */
export interface DriveResult {
  exitCode: number;
  summary: ThreadSummary;
  status: 'completed' | 'failed' | 'paused';
}

/** Exit code and status for the followed interactions of `s` (see the module doc and run-outcome.ts). */
export function outcomeOf(s: ThreadSummary, ids: readonly string[]): { exitCode: number; status: DriveResult['status'] } {
  const views = ids.map((id) => s.interactions[id]).filter((v): v is InteractionView => v !== undefined);
  if (views.length < ids.length || views.length === 0) return { exitCode: EXIT.paused, status: 'paused' };
  const outcomes = views.map(runOutcome);
  if (outcomes.includes('failed')) return { exitCode: EXIT.failed, status: 'failed' };
  if (outcomes.every((o) => o === 'completed')) return { exitCode: EXIT.ok, status: 'completed' };
  return { exitCode: EXIT.paused, status: 'paused' };
}

/** The answer to `question` typed at the terminal, its control characters neutralised (safeText). */
async function ask(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return safeText(await rl.question(question)).trim().toLowerCase();
  } finally {
    rl.close();
  }
}

/** An answer at the approval prompt: y/yes, n/no, l/later or empty; anything else is asked again. */
export function approvalAnswer(answer: string): 'approve' | 'reject' | 'later' | undefined {
  if (answer === 'y' || answer === 'yes') return 'approve';
  if (answer === 'n' || answer === 'no') return 'reject';
  if (answer === '' || answer === 'l' || answer === 'later') return 'later';
  return undefined;
}

/**
 * The lines printed before the approval question: what is approved (action, resolved input or the
 * plan's steps, who planned it) and why it asks (budget).
 */
export function approvalPromptLines(io: CliIo, p: ApprovalDetails): string[] {
  const c = io.color;
  const head = `${c.yellow('⏸')} ${c.bold(`approval needed: ${approvalTarget(p)}`)} of interaction ${safeText(p.interactionId)}${p.scope === 'budget' ? c.yellow(' (it would exceed the budget)') : ''}`;
  return [head, ...approvalLines(c, p).map((l) => `  ${l}`)];
}

/** Asks about each pending approval; returns false when the user chose to leave them pending. */
async function promptApprovals(session: CliSession, threadId: string, pending: ApprovalDetails[], by: string, io: CliIo): Promise<boolean> {
  for (const p of pending) {
    for (const line of approvalPromptLines(io, p)) io.out(line);
    let decision: ReturnType<typeof approvalAnswer>;
    for (let tries = 0; decision === undefined; tries++) {
      const answer = await ask(`${io.color.yellow('?')} approve ${approvalTarget(p)}? [y]es / [n]o / [l]ater: `);
      decision = approvalAnswer(answer);
      if (decision === undefined) {
        io.out(`  unrecognised answer '${answer}'`);
        if (tries >= 2) decision = 'later';
      }
    }
    if (decision === 'approve') await session.runtime.approve(threadId, p.approvalId, { by, reason: 'approved at the terminal' });
    else if (decision === 'reject') await session.runtime.reject(threadId, p.approvalId, { by, reason: 'rejected at the terminal' });
    else return false;
  }
  return true;
}

/**
 * Waits until the thread settles, showing progress (`--json`: the interaction stream, then one
 * `{ type: 'outcome', threadId, status, exitCode, interactions, pendingApprovals }` line, each approval with its details:
 * src/runtime/approval-details.ts); prompts for approvals when allowed (showing what is approved); prints
 * the outcome and, when paused, the exact commands to continue.
 * The thread must already be loaded in `session.runtime`.
 */
export async function driveThread(session: CliSession, store: EventStore, io: CliIo, o: DriveOptions): Promise<DriveResult> {
  const { runtime } = session;
  const initial = runtime.state(o.threadId);
  const ids = o.interactionIds ?? (initial.live.length > 0 ? [...initial.live] : Object.keys(initial.interactions).slice(-1));
  const start = () => {
    const p = startProgress(runtime, store, io, { threadId: o.threadId, mode: progressMode(io, o.json), fromRevision: o.fromRevision, interactionIds: ids });
    if (ids.length > 0) p.follow(ids[ids.length - 1]!);
    return p;
  };
  let progress = start();
  // Ctrl-C leaves the thread as a crash would (facts already appended stay): say how to continue.
  const onSigint = (): void => {
    io.err(`\norchestral: interrupted; the thread keeps its facts. Continue with: ${nextCommand(['resume', o.threadId], o.storeUrl)}`);
    process.exit(130);
  };
  process.once('SIGINT', onSigint);
  let summary: ThreadSummary;
  try {
    for (;;) {
      summary = await runtime.whenSettled(o.threadId);
      const pending = pendingApprovalDetails(summaryState(summary)).filter((p) => ids.includes(p.interactionId));
      if (!(o.prompt && io.interactive && !o.json && pending.length > 0)) break;
      await progress.stop();
      const decided = await promptApprovals(session, o.threadId, pending, o.by, io);
      progress = start();
      if (!decided) {
        summary = runtime.state(o.threadId);
        break;
      }
    }
  } finally {
    // also when the thread stopped (ThreadStoppedError): the error goes to the command's one-line report
    await progress.stop();
    process.removeListener('SIGINT', onSigint);
  }
  const outcome = outcomeOf(summary, ids);
  if (o.json) {
    const pending = pendingApprovalDetails(summaryState(summary)).filter((p) => ids.includes(p.interactionId));
    io.out(
      toJsonLine({
        type: 'outcome',
        threadId: o.threadId,
        status: outcome.status,
        exitCode: outcome.exitCode,
        interactions: ids.map((id) => {
          const v = summary.interactions[id];
          return v ? { interactionId: id, status: v.status, answer: v.answer ?? null, error: v.error ?? null } : { interactionId: id, status: 'queued' };
        }),
        pendingApprovals: pending,
      }),
    );
  } else {
    printOutcome(io, summary, ids, outcome.status, o);
  }
  return { ...outcome, summary };
}

function printOutcome(io: CliIo, s: ThreadSummary, ids: readonly string[], status: DriveResult['status'], o: DriveOptions): void {
  const c = io.color;
  for (const id of ids) {
    const v = s.interactions[id];
    if (!v) {
      io.out(c.yellow(`⏸ input queued behind the live interaction(s) ${s.live.join(', ')}; it starts when they end`));
      continue;
    }
    const failedSteps = v.status === 'completed' ? failedStepsOfLastPlan(v) : [];
    if (failedSteps.length > 0) io.out(`${c.red('✗ failed')} (${id}): step${failedSteps.length > 1 ? 's' : ''} ${failedSteps.map((x) => `'${safeText(x)}'`).join(', ')} failed${v.answer ? `\n${indent(clip(safeText(v.answer, { multiline: true })))}` : ''}`);
    else if (v.status === 'completed') io.out(`${c.green('✓ completed')} (${id})${v.answer ? `\n${indent(clip(safeText(v.answer, { multiline: true })))}` : ''}`);
    else if (v.status === 'failed') io.out(`${c.red('✗ failed')} (${id}): ${safeText(v.error?.message ?? 'unknown error')}`);
    else if (v.status === 'cancelled') io.out(`${c.magenta('⊘ cancelled')} (${id})${v.cancelReason ? `: ${safeText(v.cancelReason)}` : ''}`);
    else if (v.status === 'waiting_input') io.out(`${c.yellow('⏸ waiting for input')} (${id}): ${safeText(v.question ?? '')}`);
    else if (v.status === 'interrupted') {
      const why = v.interrupt ? ` — ${v.interrupt.kind.replace('_', ' ')}${v.interrupt.stepId !== undefined ? ` '${safeText(v.interrupt.stepId)}'` : ''}${v.interrupt.reason ? `: ${safeText(v.interrupt.reason)}` : ''}` : '';
      io.out(`${c.yellow('⏸ interrupted')} (${id})${why}`);
    }
  }
  if (status !== 'paused') return;
  const pending = pendingApprovalDetails(summaryState(s)).filter((p) => ids.includes(p.interactionId));
  for (const p of pending) {
    const target = p.stepId ?? p.approvalId;
    io.out(c.yellow(`⏸ paused: ${approvalTarget(p)} waits for approval${p.scope === 'budget' ? ' (it would exceed the budget)' : ''}`));
    for (const line of approvalLines(c, p)) io.out(`  ${line}`);
    io.out(`  approve and continue: ${c.bold(nextCommand(['approve', o.threadId, target], o.storeUrl))}`);
    io.out(`  reject:               ${nextCommand(['reject', o.threadId, target, '--reason', 'not now'], o.storeUrl)}`);
  }
  if (ids.some((id) => s.interactions[id]?.status === 'waiting_input')) {
    io.out(`  answer:  ${c.bold(nextCommand(['send', o.threadId, 'your answer'], o.storeUrl))}`);
  }
  if (ids.some((id) => s.interactions[id]?.status === 'interrupted')) {
    io.out(`  resume:  ${c.bold(nextCommand(['resume', o.threadId], o.storeUrl))}`);
  }
}

/** Each line of `text` cut to the terminal's width (140 characters off a terminal; the full answer: `show --json`). */
function clip(text: string): string {
  const width = Math.max(40, (process.stdout.columns || 142) - 2);
  return text
    .split('\n')
    .map((l) => (l.length > width ? `${l.slice(0, width - 1)}…` : l))
    .join('\n');
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}
