import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadActionModule } from '../../src/cli/action-modules.ts';

const dir = mkdtempSync(join(tmpdir(), 'orchestral-action-modules-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A TypeScript actions module counting its own evaluations in a global. */
function countingModule(name: string): string {
  const path = join(dir, `${name}.mts`);
  writeFileSync(
    path,
    `const g = globalThis as unknown as Record<string, number>;
g['${name}'] = (g['${name}'] ?? 0) + 1;
const echo: { name: string; description: string; input: unknown; output: unknown; run: () => Promise<object> } = {
  name: '${name}.echo', description: 'echo', input: {}, output: {}, run: async () => ({}),
};
export default [echo];
`,
  );
  return path;
}

describe('loadActionModule', () => {
  it('evaluates a TypeScript module once per process: later loads (a worker running many threads) get the same actions', async () => {
    const path = countingModule('once');
    const first = await loadActionModule(path);
    const second = await loadActionModule(path);
    expect(second[0]).toBe(first[0]);
    expect((globalThis as unknown as Record<string, number>)['once']).toBe(1);
  });

  it('retries a TypeScript module whose import failed', async () => {
    const path = join(dir, 'broken.mts');
    writeFileSync(path, 'export default [; // syntax error\n');
    await expect(loadActionModule(path)).rejects.toThrow(/actions module .*broken\.mts: cannot be loaded/);
    writeFileSync(path, "export default [{ name: 'fixed', description: 'd', input: {}, output: {}, run: async () => ({}) }];\n");
    // the failed import was not kept: this load reads the fixed file
    await expect(loadActionModule(path)).resolves.toHaveLength(1);
  });

  it('names the file when it is missing', async () => {
    await expect(loadActionModule(join(dir, 'nope.ts'))).rejects.toThrow(/nope\.ts: file not found/);
  });
});
