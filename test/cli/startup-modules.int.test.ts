/**
 * What a read-only command loads: `orchestral threads` on an empty store and `--help` import none of
 * zod (the fact schemas), rxjs, xstate (the machines), openai, hono or string-width; the start-up
 * budget of bench/startup depends on it. Counted with a module loader hook in a child process, so the
 * figure is exact (no timing).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { NODE_ARGS, ROOT, tempDir } from './helpers.ts';

const tmp = tempDir('orchestral-startup-modules-');
afterAll(() => tmp.cleanup());

const HEAVY = ['zod', 'rxjs', 'xstate', 'openai', 'hono', '@hono/node-server', 'string-width', '@modelcontextprotocol/sdk', 'yaml'];

/** The packages under node_modules the CLI loads for `args` (the child's stderr lines from the hook). */
function packagesLoaded(args: string[]): Set<string> {
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
  return packages;
}

describe('start-up of read-only commands', () => {
  it('threads on an empty store and --help load none of the heavy packages', () => {
    const store = `sqlite:${join(tmp.dir, 'events.db')}`;
    execFileSync(process.execPath, ['--import', 'tsx', '-e', `const { openEventStore, factCodec } = await import(${JSON.stringify(join(ROOT, 'src/index.ts'))}); await (await openEventStore(${JSON.stringify(store)}, { codec: factCodec })).close();`], { cwd: ROOT });
    for (const args of [['--store', store, 'threads'], ['--help']]) {
      const loaded = packagesLoaded(args);
      expect(loaded.has('commander'), 'the hook sees the packages the CLI loads').toBe(true);
      expect([...loaded].filter((p) => HEAVY.includes(p)), args.join(' ')).toEqual([]);
    }
  });
});
