/**
 * What a command loads: `orchestral threads` on an empty store and `--help` import none of zod (the
 * fact schemas), rxjs, xstate (the machines), openai, hono, string-width, the MCP SDK, ws or the
 * Postgres and KurrentDB clients; the start-up budget of bench/startup depends on it. A `run` of a
 * static plan file on a SQLite store loads the runtime but none of openai, the MCP SDK (and its
 * JSON-schema validator), ws, hono or the other stores' clients; `threads` drawing its table from a
 * current persisted listing then loads no more than on an empty store (no string-width: its cells
 * are ASCII). Counted with a module loader hook in
 * a child process, so the figures are exact (no timing).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { NODE_ARGS, ROOT, tempDir } from './helpers.ts';

const tmp = tempDir('orchestral-startup-modules-');
afterAll(() => tmp.cleanup());

/** Packages that only some commands or options need. */
const OPTIONAL = ['openai', 'hono', '@hono/node-server', '@modelcontextprotocol/sdk', 'ajv', 'zod-to-json-schema', 'ws', 'pg', '@eventstore/db-client', '@statelyai/inspect'];
/** What a read-only command needs none of. */
const HEAVY = [...OPTIONAL, 'zod', 'rxjs', 'xstate', 'string-width', 'yaml'];

/** The packages under node_modules the CLI loads for `args` (the child's stderr lines from the hook), and how many modules in all. */
function packagesLoaded(args: string[]): Set<string> & { modules: number } {
  const hooks = join(tmp.dir, 'hooks.mjs');
  writeFileSync(hooks, `import { writeSync } from 'node:fs';
export async function load(url, context, next) { writeSync(2, 'LOADED ' + url + '\\n'); return next(url, context); }
`);
  const register = join(tmp.dir, 'register.mjs');
  writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(register).href, ...NODE_ARGS, ...args], { cwd: tmp.dir, env: { ...process.env, NO_COLOR: '1', ORCHESTRAL_STORE: '' }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`orchestral ${args.join(' ')} exited with ${String(r.status)}: ${r.stderr}`);
  const packages = new Set<string>();
  for (const m of r.stderr.matchAll(/^LOADED file:\/\/.*\/node_modules\/((?:@[^/]+\/)?[^/]+)\//gm)) packages.add(m[1]!);
  return Object.assign(packages, { modules: r.stderr.match(/^LOADED /gm)?.length ?? 0 });
}

describe('start-up: what a command loads', () => {
  it('threads on an empty store and --help load none of the heavy packages', () => {
    const store = `sqlite:${join(tmp.dir, 'events.db')}`;
    execFileSync(process.execPath, ['--import', 'tsx', '-e', `const { openEventStore, factCodec } = await import(${JSON.stringify(join(ROOT, 'src/index.ts'))}); await (await openEventStore(${JSON.stringify(store)}, { codec: factCodec })).close();`], { cwd: ROOT });
    // module budgets (ES modules and package entries the hook sees), a little above the counts today (74, 28)
    for (const [args, budget] of [[['--store', store, 'threads'], 85], [['--help'], 32]] as const) {
      const loaded = packagesLoaded([...args]);
      expect(loaded.has('commander'), 'the hook sees the packages the CLI loads').toBe(true);
      expect([...loaded].filter((p) => HEAVY.includes(p)), args.join(' ')).toEqual([]);
      expect(loaded.modules, `modules loaded by ${args.join(' ')}`).toBeLessThanOrEqual(budget);
    }
  });

  it('run of a static plan file loads the runtime, not the planner SDK, MCP, ws or other stores; threads then draws its table without them', () => {
    const plan = join(tmp.dir, 'plan.json');
    const store = `sqlite:${join(tmp.dir, 'run.db')}`;
    writeFileSync(plan, JSON.stringify({ title: 'one step', steps: [{ id: 's1', action: 'echo', input: { i: 1 } }] }));
    const loaded = packagesLoaded(['--store', store, 'run', plan, '--no-prompt']);
    expect(loaded.has('xstate'), 'the hook sees the runtime').toBe(true);
    expect([...loaded].filter((p) => OPTIONAL.includes(p))).toEqual([]);
    // a little above the count today (366)
    expect(loaded.modules, 'modules loaded by run').toBeLessThanOrEqual(400);
    packagesLoaded(['--store', store, 'threads']); // builds the persisted listing from the facts (zod decodes them)
    const listed = packagesLoaded(['--store', store, 'threads']);
    expect([...listed].filter((p) => HEAVY.includes(p)), 'threads with a table').toEqual([]);
    expect(listed.modules, 'modules loaded by threads with a table').toBeLessThanOrEqual(85);
  });
});
