/**
 * The second example (`examples/release-notes/plan.yaml`) through the real CLI, on a temporary git
 * repository: real `git` commands, commits grouped by kind, the notes file written.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, tempDir, ROOT } from './helpers.ts';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

function git(...args: string[]): void {
  execFileSync('git', ['-c', 'user.name=Ada', '-c', 'user.email=ada@example.com', ...args], { cwd: tmp.dir, stdio: 'ignore' });
}

describe('release-notes example', () => {
  it('groups the commits since the last tag and writes the notes', async () => {
    git('init', '-q');
    writeFileSync(join(tmp.dir, 'package.json'), JSON.stringify({ name: 'demo', version: '2.0.0' }));
    git('add', '.');
    git('commit', '-q', '-m', 'Initial import');
    git('tag', 'v1.0.0');
    for (const subject of ['feat(cli): add a --json flag', 'fix: crash on empty input', 'Add a README section', 'test: cover the parser']) {
      writeFileSync(join(tmp.dir, 'log.txt'), subject);
      git('add', '.');
      git('commit', '-q', '-m', subject);
    }
    const r = await cli(['--store', `sqlite:${join(tmp.dir, 'events.db')}`, 'run', join(ROOT, 'examples/release-notes/plan.yaml'), '--workspace', tmp.dir]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const notes = readFileSync(join(tmp.dir, 'out/RELEASE_NOTES.md'), 'utf8');
    expect(notes).toContain('# demo 2.0.0 — release notes');
    expect(notes).toContain('4 commits since v1.0.0 (5 in total), by Ada.');
    expect(notes).toMatch(/## Features\n\n- Add a README section .*\n- feat\(cli\): add a --json flag/); // newest first
    expect(notes).toMatch(/## Fixes\n\n- fix: crash on empty input/);
    expect(notes).toMatch(/## Tests\n\n- test: cover the parser/);
    expect(notes).not.toContain('Initial import');
  });
});
