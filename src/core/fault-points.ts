/**
 * Deterministic kill points for crash tests (test-only fault injection).
 *
 * `ORCHESTRAL_FAULT=kill:<point>[:<n>]`, read once when this module loads, makes the process kill
 * itself with SIGKILL (no cleanup, no flush: as a power cut for the process) the `n`-th time (1-based,
 * default 1) execution passes `<point>`. Unset or empty: `hitFaultPoint` returns at once and nothing
 * else happens. The points (each one call in the code it names):
 *
 * | point                  | where                                                                      |
 * |------------------------|----------------------------------------------------------------------------|
 * | `step.before-action`   | a `StepStarted` is committed, the step's action has not started (step-effect.ts) |
 * | `step.after-action`    | the action returned (its side effects are done), its outcome (`StepCompleted`/`StepFailed`) is not appended yet (step-effect.ts) |
 * | `store.before-commit`  | inside an append transaction: BEGIN and the event rows written, COMMIT not sent (sqlite and postgres group-commit.ts); SQLite counts appends, PostgreSQL flushes |
 * | `appended.<FactType>`  | an append holding a fact of that type is committed, its effects not started (thread-runner.ts); counts facts of that type, e.g. `appended.ApprovalRequested` (waiting for an approval), `appended.ApprovalGranted` (decided, the step not started) |
 *
 * A malformed value or an unknown point is reported by the first `hitFaultPoint` call of the process
 * (a `FaultSpecError`), so a typo in a test fails loudly instead of never firing.
 */
import { OrchestralError } from '../errors/orchestral-error.ts';

/** The environment variable read at start-up. */
export const FAULT_ENV = 'ORCHESTRAL_FAULT';

/** The fixed kill points (plus `appended.<FactType>`). */
export const FAULT_POINTS = ['step.before-action', 'step.after-action', 'store.before-commit'] as const;

/** A parsed `ORCHESTRAL_FAULT`: kill at the `nth` pass (1-based) of `point`. */
export interface FaultSpec {
  point: string;
  nth: number;
}

/** `ORCHESTRAL_FAULT` is not `kill:<point>[:<n>]` with a known point and n ≥ 1. */
export class FaultSpecError extends OrchestralError {
  static readonly code = 'FAULT_SPEC';
  constructor(readonly value: string, reason: string) {
    super(FaultSpecError.code, `${FAULT_ENV}='${value}': ${reason} (want kill:<point>[:<n>], points: ${FAULT_POINTS.join(', ')}, appended.<FactType>)`);
  }
}

const knownPoint = (p: string): boolean => (FAULT_POINTS as readonly string[]).includes(p) || /^appended\.[A-Z][A-Za-z]+$/.test(p);

/**
 * Parses a fault spec. Returns undefined for undefined or ''.
 * @throws FaultSpecError not `kill:<point>[:<n>]`, an unknown point, or n not an integer ≥ 1.
 */
export function parseFaultSpec(value: string | undefined): FaultSpec | undefined {
  if (value === undefined || value === '') return undefined;
  const m = /^kill:([^:]+)(?::(\d+))?$/.exec(value);
  if (!m) throw new FaultSpecError(value, 'malformed');
  const point = m[1] as string;
  const nth = m[2] === undefined ? 1 : Number(m[2]);
  if (!knownPoint(point)) throw new FaultSpecError(value, `unknown point '${point}'`);
  if (!Number.isSafeInteger(nth) || nth < 1) throw new FaultSpecError(value, `n must be an integer ≥ 1, got '${m[2]}'`);
  return { point, nth };
}

let armed: FaultSpec | undefined;
let invalid: FaultSpecError | undefined;
try {
  armed = parseFaultSpec(process.env[FAULT_ENV]);
} catch (err) {
  invalid = err as FaultSpecError;
}
let hits = 0;

/**
 * Marks a pass through kill point `point` (`detail`, when given, is appended as `point.detail`).
 * No-op unless `ORCHESTRAL_FAULT` names it; SIGKILLs the process on its n-th pass.
 * @throws FaultSpecError when `ORCHESTRAL_FAULT` was malformed or named an unknown point.
 */
export function hitFaultPoint(point: string, detail?: string): void {
  if (armed === undefined) {
    if (invalid !== undefined) throw invalid;
    return;
  }
  if ((detail === undefined ? point : `${point}.${detail}`) !== armed.point) return;
  hits += 1;
  if (hits === armed.nth) process.kill(process.pid, 'SIGKILL');
}
