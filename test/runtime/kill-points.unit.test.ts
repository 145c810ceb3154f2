/** The `ORCHESTRAL_FAULT` spec: parsing, and a bad value failing loudly at the first kill point passed. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FAULT_ENV, parseFaultSpec } from '../../src/core/fault-points.ts';

describe('fault points', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it('parses kill:<point>[:<n>] for the known points and appended.<FactType>', () => {
    expect(parseFaultSpec(undefined)).toBeUndefined();
    expect(parseFaultSpec('')).toBeUndefined();
    expect(parseFaultSpec('kill:step.after-action')).toEqual({ point: 'step.after-action', nth: 1 });
    expect(parseFaultSpec('kill:store.before-commit:5')).toEqual({ point: 'store.before-commit', nth: 5 });
    expect(parseFaultSpec('kill:appended.ApprovalGranted:2')).toEqual({ point: 'appended.ApprovalGranted', nth: 2 });
  });

  it('refuses a malformed value, an unknown point and n < 1, naming the variable and the points', () => {
    expect(() => parseFaultSpec('crash:step.after-action')).toThrow(/ORCHESTRAL_FAULT='crash:step.after-action': malformed \(want kill:<point>\[:<n>\], points: step.before-action/);
    expect(() => parseFaultSpec('kill:step.after')).toThrow(/unknown point 'step.after'/);
    expect(() => parseFaultSpec('kill:appended.')).toThrow(/unknown point/);
    expect(() => parseFaultSpec('kill:step.after-action:0')).toThrow(/n must be an integer ≥ 1/);
    expect(() => parseFaultSpec('kill:step.after-action:x')).toThrow(/malformed/);
  });

  it('hitFaultPoint is a no-op when unset, and throws FAULT_SPEC at the first pass when the value was bad', async () => {
    vi.stubEnv(FAULT_ENV, '');
    const unset = await import('../../src/core/fault-points.ts');
    expect(() => unset.hitFaultPoint('store.before-commit')).not.toThrow();
    vi.resetModules();
    vi.stubEnv(FAULT_ENV, 'kill:nowhere');
    const bad = await import('../../src/core/fault-points.ts');
    expect(() => bad.hitFaultPoint('store.before-commit')).toThrow(expect.objectContaining({ code: 'FAULT_SPEC' }));
    vi.resetModules();
    vi.stubEnv(FAULT_ENV, 'kill:step.after-action:3');
    const armed = await import('../../src/core/fault-points.ts');
    const kill = vi.spyOn(process, 'kill').mockImplementation(() => true);
    try {
      for (let i = 0; i < 5; i++) armed.hitFaultPoint('step.after-action');
      armed.hitFaultPoint('step.before-action');
      expect(kill.mock.calls).toEqual([[process.pid, 'SIGKILL']]); // the 3rd pass only
      vi.resetModules();
      vi.stubEnv(FAULT_ENV, 'kill:appended.ApprovalGranted');
      const byFact = await import('../../src/core/fault-points.ts');
      byFact.hitFaultPoint('appended', 'ApprovalRequested');
      expect(kill).toHaveBeenCalledTimes(1);
      byFact.hitFaultPoint('appended', 'ApprovalGranted');
      expect(kill).toHaveBeenCalledTimes(2);
    } finally {
      kill.mockRestore();
    }
  });
});
