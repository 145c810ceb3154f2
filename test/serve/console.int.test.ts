/**
 * The web console in a real browser: headless Chromium (Debian's, found with `which chromium`)
 * driven by playwright-core. Skipped, with the reason, when no Chromium is installed. On a failure
 * the page is saved as a screenshot under `test-output/serve/`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFixture, testPlan, waitFor, type ServeFixture } from './serve-fixture.ts';
import { NODE_ARGS } from '../cli/helpers.ts';

function findChromium(): string | undefined {
  try {
    return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}
const executablePath = findChromium();
const OUT = resolve('test-output', 'serve');

describe.skipIf(!executablePath)(`console in Chromium${executablePath ? '' : ' (skipped: no chromium on PATH; apt-get install -y chromium)'}`, () => {
  let f: ServeFixture;
  let browser: Browser;
  let page: Page;
  beforeAll(async () => {
    f = await startFixture();
    browser = await chromium.launch({ executablePath: executablePath! });
  });
  afterAll(async () => {
    await browser?.close();
    await f?.close();
  });
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail' && page) {
      mkdirSync(OUT, { recursive: true });
      await page.screenshot({ path: join(OUT, `${ctx.task.name.replace(/[^a-z0-9]+/gi, '-')}.png`), fullPage: true }).catch(() => undefined);
    }
    await page?.close();
  });
  const open = async (path: string): Promise<Page> => {
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(f.url + path);
    return page;
  };

  it('lists the threads', async () => {
    await f.request('/threads', { body: { threadId: 'listed', plan: testPlan({ title: 'listed plan' }) } });
    const p = await open('/');
    await p.locator('#threads tr[data-thread="listed"]').waitFor();
    expect(await p.locator('#threads tr[data-thread="listed"]').innerText()).toContain('listed plan');
  });

  it("a running plan's steps turn completed live", async () => {
    await f.request('/threads', { body: { threadId: 'live', plan: testPlan({ sleepMs: 8000 }) } });
    const p = await open('/t/live');
    await p.locator('#steps tr[data-step="wait"][data-status="running"]').waitFor();
    expect(await p.locator('#steps tr[data-step="b"]').getAttribute('data-status')).not.toBe('completed');
    await p.locator('#steps tr[data-step="b"][data-status="completed"]').waitFor({ timeout: 20_000 });
    await p.locator('g.dag-node[data-step="b"][data-status="completed"]').waitFor();
  });

  it('Approve continues a paused run to completion', async () => {
    await f.request('/threads', { body: { threadId: 'gate', plan: testPlan({ approval: true }) } });
    const p = await open('/t/gate');
    const approval = p.locator('.approval');
    await approval.waitFor();
    expect(await approval.innerText()).toContain('echo');
    expect(await approval.locator('.approval-input').innerText()).toContain('"v": 2');
    await approval.getByRole('button', { name: 'Approve' }).click();
    await p.locator('#steps tr[data-step="b"][data-status="completed"]').waitFor({ timeout: 20_000 });
    await waitFor('thread idle', async () => ((await f.request('/threads/gate')).json['thread'] as { status: string }).status === 'idle' || undefined);
  });

  it('the slider at revision R shows the step states of `orchestral show --at R --json`', async () => {
    await f.request('/threads', { body: { threadId: 'travel', plan: testPlan() } });
    await waitFor('done', async () => ((await f.request('/threads/travel')).json['thread'] as { status: string }).status === 'idle' || undefined);
    const p = await open('/t/travel');
    await p.locator('#steps tr[data-step="b"][data-status="completed"]').waitFor();
    const last = Number((await f.request('/threads/travel')).json['revision']);
    for (const r of [Math.floor(last / 2), last - 3]) {
      await p.locator('#rev').fill(String(r));
      await p.locator('#rev-label', { hasText: `${r} of ${last}` }).waitFor();
      const cli = JSON.parse(execFileSync(process.execPath, [...NODE_ARGS, 'show', 'travel', '--at', String(r), '--json', '--store', f.storeUrl], { encoding: 'utf8' })) as { steps: Record<string, { plans: Record<string, { steps: Record<string, { status: string }> }> }> };
      const expected: Record<string, string> = {};
      for (const i of Object.values(cli.steps)) for (const pl of Object.values(i.plans)) for (const [id, s] of Object.entries(pl.steps)) expected[id] = s.status;
      await waitFor(`steps as of ${r}`, async () => {
        const shown: Record<string, string> = {};
        for (const row of await p.locator('#steps tr[data-step]').all()) shown[(await row.getAttribute('data-step'))!] = (await row.getAttribute('data-status'))!;
        return JSON.stringify(shown) === JSON.stringify(expected) ? true : undefined;
      }, 5000);
    }
  });
});
