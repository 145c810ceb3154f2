import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineAction, type Action } from '../../src/actions/action.ts';
import { builtinActions } from '../../src/actions/builtins.ts';
import { createActionRegistry } from '../../src/actions/registry.ts';
import { isActionRegistryError, isUnknownActionError } from '../../src/actions/errors.ts';

const mk = (name: string, extra: Partial<Action> = {}): Action =>
  ({
    ...defineAction({
      name,
      description: `the ${name} action`,
      input: z.object({ n: z.number().default(1) }),
      output: z.object({ n: z.number() }),
      run: async (i) => i,
    }),
    ...extra,
  }) as Action;

describe('action registry', () => {
  it('registers, gets, lists in order and describes with JSON schema of the input side', () => {
    const r = createActionRegistry([mk('b.two'), mk('a-one')]);
    r.register(mk('c_3', { requiresApproval: true }));
    expect(r.has('b.two')).toBe(true);
    expect(r.has('nope')).toBe(false);
    expect(r.get('a-one').name).toBe('a-one');
    expect(r.list().map((a) => a.name)).toEqual(['b.two', 'a-one', 'c_3']);
    const d = r.describe();
    expect(d.map((x) => [x.name, x.requiresApproval])).toEqual([['b.two', false], ['a-one', false], ['c_3', true]]);
    expect(d[0]?.description).toBe('the b.two action');
    expect(d[0]?.inputSchema).toMatchObject({ type: 'object', properties: { n: { type: 'number', default: 1 } } });
    // input side: a defaulted field is not required
    expect((d[0]?.inputSchema as { required?: string[] }).required ?? []).not.toContain('n');
  });

  it('describe() returns copies (mutating them does not change the registry)', () => {
    const r = createActionRegistry([mk('x')]);
    (r.describe()[0] as { name: string }).name = 'changed';
    expect(r.describe()[0]?.name).toBe('x');
  });

  it('refuses a duplicate name, naming it', () => {
    const r = createActionRegistry([mk('fs.read')]);
    expect(() => r.register(mk('fs.read'))).toThrow(/action 'fs.read': already registered/);
    expect(() => createActionRegistry([mk('a'), mk('a')])).toThrow(expect.objectContaining({ code: 'ACTION_REGISTRY_INVALID' }));
  });

  it.each(['', 'Fs.read', 'fs..read', '.fs', 'fs.', 'fs read', 'fs/read', '-x', 'a'.repeat(65), 'ünï'])(
    'refuses the malformed name %j',
    (name) => {
      const r = createActionRegistry();
      let err: unknown;
      try {
        r.register(mk(name));
      } catch (e) {
        err = e;
      }
      expect(isActionRegistryError(err)).toBe(true);
      expect((err as Error).message).toMatch(/malformed name/);
    },
  );

  it('refuses malformed action objects with a message naming the field', () => {
    const r = createActionRegistry();
    expect(() => r.register(mk('a', { description: ' ' }))).toThrow(/action 'a': description/);
    expect(() => r.register(mk('b', { input: { parse() {} } as never }))).toThrow(/action 'b': `input` must be a zod schema/);
    expect(() => r.register(mk('c', { output: undefined as never }))).toThrow(/`output` must be a zod schema/);
    expect(() => r.register(mk('d', { run: 'x' as never }))).toThrow(/`run` must be a function/);
    expect(() => r.register(mk('e', { estimateCost: 3 as never }))).toThrow(/`estimateCost`/);
    expect(() => r.register(mk('f', { approvalReason: 'always' as never }))).toThrow(/`approvalReason` must be a function/);
    expect(r.list()).toEqual([]);
  });

  it('get() of an unknown name throws UNKNOWN_ACTION listing the registered names', () => {
    const r = createActionRegistry([mk('echo'), mk('sleep')]);
    let err: unknown;
    try {
      r.get('fs.raed');
    } catch (e) {
      err = e;
    }
    expect(isUnknownActionError(err)).toBe(true);
    expect((err as Error).message).toBe("unknown action 'fs.raed' (registered: echo, sleep)");
  });

  it('registers every built-in and describes each (shell.exec requires approval)', () => {
    const r = createActionRegistry(builtinActions());
    expect(r.list().map((a) => a.name)).toEqual(['echo', 'sleep', 'fs.read', 'fs.write', 'fs.list', 'http.request', 'shell.exec']);
    const byName = Object.fromEntries(r.describe().map((d) => [d.name, d]));
    expect(byName['shell.exec']?.requiresApproval).toBe(true);
    expect(byName['fs.read']?.requiresApproval).toBe(false);
    expect(byName['sleep']?.inputSchema).toMatchObject({ type: 'object', required: ['ms'] });
    expect(JSON.stringify(r.describe())).not.toContain('undefined');
  });

  it('builtinActions honours exclude and shell approval override', () => {
    const names = builtinActions({ exclude: ['shell.exec', 'http.request'] }).map((a) => a.name);
    expect(names).not.toContain('shell.exec');
    expect(names).toContain('fs.read');
    const shell = builtinActions({ shell: { requiresApproval: false } }).find((a) => a.name === 'shell.exec');
    expect(shell?.requiresApproval).toBe(false);
  });
});
