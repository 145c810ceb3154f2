/**
 * What an approval shows: the action, the input it runs with (recorded in ApprovalRequested with its
 * references resolved), the steps of a plan approval, who planned it; and terminal controls in any
 * of it neutralised in the text renderers (show, the prompt, the paused outcome).
 */
import pc from 'picocolors';
import { describe, expect, it } from 'vitest';
import { formatEventLine } from '../../src/cli/commands/events.ts';
import { approvalAnswer, approvalPromptLines } from '../../src/cli/drive.ts';
import type { CliIo } from '../../src/cli/io.ts';
import { approvalLines, inputSummary, plannedByText } from '../../src/cli/render/approval-text.ts';
import { safeText } from '../../src/cli/render/safe-text.ts';
import { renderShow, type ShowData } from '../../src/cli/render/show-text.ts';
import { renderStepTable } from '../../src/cli/render/step-table.ts';
import type { Fact } from '../../src/facts/fact-types.ts';
import { pendingApprovalDetails, plannedByOf } from '../../src/runtime/approval-details.ts';
import { applyFacts, initialThreadState } from '../../src/history/fold/thread-state.ts';
import type { RecordedEvent } from '../../src/store/event-store.ts';
import { basicThreadFacts } from '../fixtures/histories/build-basic-thread.ts';

const plain = pc.createColors(false);
const colored = pc.createColors(true);
const io = { color: plain } as CliIo;
const HOSTILE = 'a\x1b]0;pwned\x07b\x1b[2J\x1b[1A\x9b31mc\u202ed\re';

/** The fixture up to its ApprovalRequested, with `change` applied to that fact (or dropped: null). */
function waitingFor(change: (data: Record<string, unknown>) => Record<string, unknown>): Fact[] {
  const i = basicThreadFacts.findIndex((f) => f.type === 'ApprovalRequested');
  const asked = basicThreadFacts[i]!;
  return [...basicThreadFacts.slice(0, i), { ...asked, data: change(asked.data as Record<string, unknown>) } as Fact];
}

const stateOf = (facts: Fact[]) => applyFacts(initialThreadState('t-basic'), facts);

/** Every ESC in `s` starts a colour (SGR) sequence and nothing else acts on the terminal. */
function onlyColours(s: string): boolean {
  // eslint-disable-next-line no-control-regex -- looking for control characters
  return !/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(s.replace(/\x1b\[[0-9;]*m/g, ''));
}

describe('safeText', () => {
  it('turns C0, DEL, C1 and bidi controls into visible text; keeps printable text and, when asked, newlines', () => {
    expect(safeText(HOSTILE)).toBe('a␛]0;pwned␇b␛[2J␛[1A\\u009b31mc\\u202ed␍e');
    expect(safeText('x\ny\tz\x7f')).toBe('x␊y z␡');
    expect(safeText('x\ny', { multiline: true })).toBe('x\ny');
    expect(safeText('naïve 漢字 🚀 — ok')).toBe('naïve 漢字 🚀 — ok');
  });
});

describe('approval details from the recorded facts', () => {
  it('a step approval recorded with its subject: the action and the resolved input, planned by the plan file', () => {
    const state = stateOf(waitingFor((d) => ({ ...d, subject: { action: 'llm.summarise', input: { text: 'Q3 revenue grew 12%.' } } })));
    const [p] = pendingApprovalDetails(state);
    expect(p).toMatchObject({
      approvalId: 'ap-1',
      stepId: 'summarise',
      scope: 'step',
      action: 'llm.summarise',
      input: { text: 'Q3 revenue grew 12%.' },
      inputResolved: true,
      plannedBy: { kind: 'plan_file', file: 'plans/report.yaml' },
    });
    expect(approvalLines(plain, p!)).toEqual(['action llm.summarise  input {"text":"Q3 revenue grew 12%."}', 'planned by plan file plans/report.yaml']);
  });

  it('a request recorded before subjects existed shows the planned input and says it is not resolved', () => {
    const [p] = pendingApprovalDetails(stateOf(waitingFor((d) => d)));
    expect(p).toMatchObject({ action: 'llm.summarise', input: { text: '{{steps.fetch.output.body}}' }, inputResolved: false });
    expect(approvalLines(plain, p!)[1]).toBe('input as planned: this request recorded no resolved input');
  });

  it('an unresolvable input says why and that the step fails if approved', () => {
    const state = stateOf(waitingFor((d) => ({ ...d, subject: { action: 'llm.summarise', input: { text: '{{steps.fetch.output.x}}' }, unresolved: "no field 'x'" } })));
    const [p] = pendingApprovalDetails(state);
    expect(p).toMatchObject({ inputResolved: false, unresolved: "no field 'x'" });
    expect(approvalLines(plain, p!)).toContain("input not resolved: no field 'x' (the step fails if approved)");
  });

  it('a plan approval lists the plan steps with their actions and inputs', () => {
    const i = basicThreadFacts.findIndex((f) => f.type === 'PlanAccepted');
    const facts = [
      ...basicThreadFacts.slice(0, i + 1),
      { type: 'ApprovalRequested', data: { approvalId: 'pa', interactionId: 'int-1', planId: 'plan-1', scope: 'plan', reason: 'plan gate', requestedAtMs: 1 } } as Fact,
    ];
    const [p] = pendingApprovalDetails(stateOf(facts));
    expect(p).toMatchObject({ scope: 'plan', steps: [{ stepId: 'fetch', action: 'http.get' }, { stepId: 'summarise' }, { stepId: 'publish', action: 'fs.write' }] });
    expect(approvalLines(plain, p!)).toEqual([
      'plan plan-1 with 3 steps (inputs as planned):',
      '  fetch  http.get  input {"url":"http://127.0.0.1:8080/report.txt"}',
      '  summarise  llm.summarise  input {"text":"{{steps.fetch.output.body}}"} ⇐ fetch',
      '  publish  fs.write  path "out/summary.md" · content "{{steps.summarise.output}}" (overwrite) ⇐ summarise',
      'planned by plan file plans/report.yaml',
    ]);
  });

  it('who planned: plan file, model, or the planner kind', () => {
    expect(plannedByText(plannedByOf({ kind: 'static', config: { file: '/w/plan.yaml' } }))).toBe('plan file /w/plan.yaml');
    expect(plannedByText(plannedByOf({ kind: 'openai', config: { model: 'gpt-4o-mini', baseURL: 'http://x' } }))).toBe('model gpt-4o-mini (openai)');
    expect(plannedByText(plannedByOf({ kind: 'custom' }))).toBe("planner 'custom'");
    expect(plannedByText(plannedByOf(undefined))).toBe("planner 'unknown'");
  });
});

describe('input summaries of the built-in actions', () => {
  it('shell.exec: argv (cwd, env names, stdin size); fs.write: path and decoded size; http.request: method and URL', () => {
    expect(inputSummary('shell.exec', { argv: ['rm', '-rf', 'build'] })).toBe('argv ["rm","-rf","build"]');
    expect(inputSummary('shell.exec', { argv: ['sh', '-c', 'cat'], cwd: 'sub', env: { A: '1' }, stdin: 'héllo' })).toBe('argv ["sh","-c","cat"] in "sub" · env ["A"] · stdin 6 bytes');
    expect(inputSummary('fs.write', { path: 'notes.md', content: 'héllo' })).toBe('path "notes.md" · 6 bytes (overwrite)');
    expect(inputSummary('fs.write', { path: 'a.bin', content: Buffer.alloc(10).toString('base64'), encoding: 'base64', mode: 'append' })).toBe('path "a.bin" · 10 bytes (append)');
    expect(inputSummary('http.request', { url: 'https://api.example.com/x' })).toBe('GET "https://api.example.com/x"');
    expect(inputSummary('http.request', { url: 'https://api.example.com/x', method: 'POST', body: { a: 1 } })).toBe('POST "https://api.example.com/x" · body 7 bytes');
    expect(inputSummary('echo', { text: 'x'.repeat(1000) })).toHaveLength(300);
  });

  it('neutralises terminal controls in inputs (JSON leaves C1 and bidi characters alone)', () => {
    const s = inputSummary('shell.exec', { argv: ['echo', HOSTILE] });
    expect(onlyColours(s)).toBe(true);
    expect(s).toContain('\\u009b31m');
    expect(onlyColours(inputSummary('fs.write', { path: HOSTILE, content: '' }))).toBe(true);
    expect(onlyColours(inputSummary('http.request', { url: HOSTILE, method: HOSTILE }))).toBe(true);
  });
});

describe('the prompt', () => {
  it('shows the step, the action, the resolved input and who planned it before asking', () => {
    const state = stateOf(waitingFor((d) => ({ ...d, subject: { action: 'shell.exec', input: { argv: ['rm', '-rf', HOSTILE] } } })));
    const lines = approvalPromptLines(io, pendingApprovalDetails(state)[0]!);
    expect(lines[0]).toBe("⏸ approval needed: step 'summarise' of interaction int-1");
    // JSON escapes C0 controls; safeText the C1 and bidi ones JSON leaves alone
    expect(lines[1]).toBe('  action shell.exec  argv ["rm","-rf","a\\u001b]0;pwned\\u0007b\\u001b[2J\\u001b[1A\\u009b31mc\\u202ed\\re"]');
    expect(lines[2]).toBe('  planned by plan file plans/report.yaml');
  });

  it('reads yes, no, later (empty); anything else is asked again', () => {
    expect(['y', 'yes', 'n', 'no', 'l', 'later', ''].map(approvalAnswer)).toEqual(['approve', 'approve', 'reject', 'reject', 'later', 'later', 'later']);
    expect(approvalAnswer(safeText('y\x1b[A'))).toBeUndefined();
    expect(approvalAnswer('yes please')).toBeUndefined();
  });
});

describe('human renderers with hostile recorded text', () => {
  const hostileFacts = (): Fact[] =>
    basicThreadFacts.map((f) => {
      if (f.type === 'ThreadOpened') return { ...f, data: { ...f.data, title: HOSTILE } } as Fact;
      if (f.type === 'StepFailed') return { ...f, data: { ...f.data, error: { message: HOSTILE } } } as Fact;
      if (f.type === 'InteractionCompleted') return { ...f, data: { ...f.data, answer: `${HOSTILE}\nline two` } } as Fact;
      return f;
    });

  it('renderShow prints no control sequence but its own colours, keeps answer lines', () => {
    const data: ShowData = {
      threadId: 't-basic',
      revision: 30,
      at: null,
      thread: { title: HOSTILE } as ShowData['thread'],
      interactions: [{ interactionId: 'int-1', status: 'completed', input: HOSTILE, answer: `${HOSTILE}\nline two`, question: HOSTILE, error: HOSTILE }],
      steps: {},
      dags: {},
      costs: null,
      pendingApprovals: pendingApprovalDetails(stateOf(waitingFor((d) => ({ ...d, subject: { action: 'shell.exec', input: { argv: [HOSTILE] } } })))).map((p) => ({ ...p, stepId: p.stepId ?? null })),
    };
    for (const c of [plain, colored]) {
      const text = renderShow(c, data, 'sqlite:x.db').join('\n');
      expect(onlyColours(text)).toBe(true);
      expect(text).toContain('line two');
      expect(text).toContain(`action ${c.bold('shell.exec')}`);
    }
  });

  it('the step table neutralises a hostile error note', () => {
    const i = basicThreadFacts.findIndex((f) => f.type === 'InputReceived' && f.data.inputId === 'in-2');
    const state = stateOf(hostileFacts().slice(0, i));
    const text = renderStepTable(colored, state, 'int-1', 0).join('\n');
    expect(text).toContain('␛]0;pwned');
    expect(onlyColours(text)).toBe(true);
  });

  it('an events line neutralises controls in string fields', () => {
    const e = { revision: 1n, type: 'InputReceived', data: { inputId: 'in-1', text: HOSTILE }, metadata: { recordedAt: '2026-01-01T00:00:00.000Z' } };
    const line = formatEventLine(e as unknown as RecordedEvent);
    expect(line).toContain('text=a␛]0;pwned');
    expect(onlyColours(line)).toBe(true);
  });
});
