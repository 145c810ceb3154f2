import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isReferenceResolutionError } from '../../src/plan/errors.ts';
import { collectRefs, formatRef, getAtPath, resolveRefs, scanString } from '../../src/plan/refs.ts';

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
}

describe('scanString', () => {
  it('finds whole and embedded references, tolerating inner whitespace', () => {
    expect(scanString('plain')).toBeUndefined();
    expect(scanString('{{ other.template }}')).toBeUndefined();
    expect(scanString('{{steps.a.output}}')).toEqual({ whole: true, refs: [{ stepId: 'a', path: [], text: '{{steps.a.output}}', start: 0 }] });
    expect(scanString('{{ steps.a.output.x.0 }}')?.refs[0]).toMatchObject({ stepId: 'a', path: ['x', '0'] });
    const emb = scanString('id={{steps.a.output.id}}&n={{steps.b-2.output}}');
    expect(emb?.whole).toBe(false);
    expect(emb?.refs.map((r) => [r.stepId, r.path, r.start])).toEqual([['a', ['id'], 3], ['b-2', [], 27]]);
    expect(scanString(' {{steps.a.output}}')?.whole).toBe(false);
  });

  it('step ids with dots: the shortest known id wins, else the shortest prefix', () => {
    expect(scanString('{{steps.fetch.v2.output.body}}')?.refs[0]).toMatchObject({ stepId: 'fetch.v2', path: ['body'] });
    expect(scanString('{{steps.a.output.output}}')?.refs[0]).toMatchObject({ stepId: 'a', path: ['output'] });
    expect(scanString('{{steps.a.output.output}}', new Set(['a.output']))?.refs[0]).toMatchObject({ stepId: 'a.output', path: [] });
  });

  it.each([
    ['{{steps.a}}', /expected \{\{steps.<id>.output\}\}/],
    ['{{steps.a.outpt}}', /expected/],
    ['{{steps.a.output..x}}', /empty path segment/],
    ['{{steps..output}}', /empty path segment/],
    ['{{steps.-a.output}}', /'-a' is not a valid step id/],
    ['x {{steps.a.output', /malformed reference at '\{\{steps.a.output'/],
    ['{{steps.a.output x}}', /malformed reference/],
  ])('marks %j malformed', (s, why) => {
    expect(scanString(s)?.malformed).toMatch(why);
  });

  it('formatRef round-trips', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_-]{0,10}$/),
        fc.array(fc.stringMatching(/^[A-Za-z0-9_-]{1,6}$/), { maxLength: 4 }),
        (id, path) => {
          const r = scanString(formatRef(id, path), new Set([id]));
          expect(r?.whole).toBe(true);
          expect(r?.refs[0]).toMatchObject({ stepId: id, path });
        },
      ),
    );
  });
});

describe('collectRefs', () => {
  it('reports every string site with its path; keys are not scanned', () => {
    const sites = collectRefs({ a: '{{steps.x.output}}', b: [1, { c: 'n={{steps.y.output.n}}' }], '{{steps.k.output}}': 1 });
    expect(sites.map((s) => [s.path, s.whole, s.refs.map((r) => r.stepId)])).toEqual([
      [['a'], true, ['x']],
      [['b', 1, 'c'], false, ['y']],
    ]);
  });
});

describe('getAtPath', () => {
  const v = { items: [{ name: 'a' }, { name: null }], obj: { '0': 'zero' }, n: 5 };
  it('walks keys and array indices; digit segments are keys on objects', () => {
    expect(getAtPath(v, ['items', '1', 'name'])).toEqual({ found: true, value: null });
    expect(getAtPath(v, ['obj', '0'])).toEqual({ found: true, value: 'zero' });
    expect(getAtPath(v, [])).toEqual({ found: true, value: v });
  });
  it.each([
    [['items', '2'], "'items' has 2 items; index 2 does not exist"],
    [['items', 'first'], "'items' is an array; 'first' is not an index"],
    [['missing'], "the output has no field 'missing'"],
    [['n', 'x'], "'n' is number, not an object or array"],
    [['items', '1', 'name', 'x'], "'items.1.name' is null, not an object or array"],
    [['constructor'], "the output has no field 'constructor'"],
    [['__proto__'], "the output has no field '__proto__'"],
  ])('misses %j with a reason', (path, reason) => {
    expect(getAtPath(v, path)).toEqual({ found: false, reason });
  });
});

describe('resolveRefs', () => {
  const outputs = { fetch: { body: { items: [1, 2, 3], title: 'T' }, status: 200 }, 'list.v2': ['x', 'y'], nul: null };

  it('a whole-string reference keeps the JSON type; embedded ones interpolate as text', () => {
    const input = {
      items: '{{steps.fetch.output.body.items}}',
      status: '{{steps.fetch.output.status}}',
      nothing: '{{steps.nul.output}}',
      msg: 'got {{steps.fetch.output.status}} for {{steps.fetch.output.body.title}}: {{steps.fetch.output.body.items}} {{steps.nul.output}}',
      nested: [{ second: '{{steps.list.v2.output.1}}' }],
      plain: 'no refs {{ here }}',
      n: 3,
    };
    const before = structuredClone(input);
    expect(resolveRefs(input, outputs)).toEqual({
      items: [1, 2, 3],
      status: 200,
      nothing: null,
      msg: 'got 200 for T: [1,2,3] null',
      nested: [{ second: 'y' }],
      plain: 'no refs {{ here }}',
      n: 3,
    });
    expect(input).toEqual(before);
  });

  it('interpolated text that looks like a reference is not resolved again', () => {
    expect(resolveRefs({ s: '{{steps.a.output}}-{{steps.b.output}}' }, { a: '{{steps.b.output}}', b: 'B' })).toEqual({ s: '{{steps.b.output}}-B' });
  });

  it.each([
    [{ u: '{{steps.ghost.output}}' }, "step 'consumer' input.u: cannot resolve {{steps.ghost.output}}: step 'ghost' has no recorded output"],
    [{ u: ['{{steps.fetch.output.body.items.7}}'] }, "step 'consumer' input.u[0]: cannot resolve {{steps.fetch.output.body.items.7}}: in step 'fetch': 'body.items' has 3 items; index 7 does not exist"],
    [{ u: 'x {{steps.fetch.output.nope}}' }, "step 'consumer' input.u: cannot resolve {{steps.fetch.output.nope}}: in step 'fetch': the output has no field 'nope'"],
    [{ u: '{{steps.fetch.output.' }, "step 'consumer' input.u: cannot resolve {{steps.fetch.output.: malformed reference at '{{steps.fetch.output.': expected {{steps.<id>.output[.<path>]}}"],
  ])('names step, field and path when %j cannot be resolved', (input, message) => {
    const err = thrown(() => resolveRefs(input, outputs, { stepId: 'consumer' }));
    expect(isReferenceResolutionError(err)).toBe(true);
    expect((err as { code?: string }).code).toBe('INPUT_REFERENCE');
    expect(err.message).toBe(message);
  });

  it('property: a whole reference to any existing path yields exactly that value', () => {
    const jsonValue = fc.jsonValue({ maxDepth: 4 }).filter((v) => v !== undefined);
    fc.assert(
      fc.property(jsonValue, fc.array(fc.nat(), { maxLength: 5 }), (out, choices) => {
        // Walk a random existing path through the value.
        const path: string[] = [];
        let cur: unknown = out;
        for (const c of choices) {
          if (Array.isArray(cur) && cur.length > 0) {
            const i = c % cur.length;
            path.push(String(i));
            cur = cur[i];
          } else if (cur !== null && typeof cur === 'object' && Object.keys(cur).length > 0) {
            const keys = Object.keys(cur).filter((k) => /^[^.\s{}]+$/.test(k));
            if (keys.length === 0) break;
            const k = keys[c % keys.length]!;
            path.push(k);
            cur = (cur as Record<string, unknown>)[k];
          } else break;
        }
        const resolved = resolveRefs({ v: formatRef('s', path) }, { s: out }) as { v: unknown };
        expect(resolved.v).toEqual(cur);
      }),
    );
  });
});
