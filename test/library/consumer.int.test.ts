/**
 * The package as a user gets it: `npm pack` (which builds dist/ through `prepare`), the tarball
 * unpacked into a temporary project's node_modules (its dependencies linked from this repository's
 * node_modules: no network), a strict NodeNext tsconfig (`strict`, `exactOptionalPropertyTypes`,
 * `noUncheckedIndexedAccess`, `skipLibCheck`), then:
 * - `tsc` reports 0 errors for README's "Use it as a library" example,
 *   examples/testing/policy.property.test.ts and imports of `orchestral/history`, `orchestral/base`
 *   and `orchestral/read` (one run with `--skipLibCheck false`: outside the dependencies' own
 *   declaration files its errors are those of the skipLibCheck build, and none is in the package's);
 * - both, compiled, run under plain `node` (no tsx): the example prints its line, the property test passes;
 * - the packed `bin` runs (`--version`), and the tarball ships dist, the console's files, README
 *   and LICENSE only;
 * - `orchestral/serve` from the package serves the console page and its vendored libraries.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'orchestral-consumer-'));
const app = join(dir, 'app');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
let files: string[] = [];
/** Error lines of the one `tsc` run over the app (emitting to out/, declaration files checked too), path first. */
let tscErrors: string[] = [];

/** A tsc error line located in a dependency's own declaration files (node_modules, except the package under test). */
const inDependency = (line: string): boolean => {
  const path = /^(.+?)\(\d+,\d+\): error /.exec(line)?.[1] ?? '';
  return /(^|\/)node_modules\//.test(path) && !path.includes('node_modules/orchestral/');
};

/** The code block of README's "Use it as a library" section. */
function readmeExample(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Use it as a library'));
  const match = /```ts\n([\s\S]*?)```/.exec(section);
  if (!match) throw new Error('README has no ts block under "Use it as a library"');
  return match[1]!;
}

beforeAll(() => {
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const packed = JSON.parse(out.slice(out.indexOf('['))) as Array<{ filename: string; files: Array<{ path: string }> }>;
  files = packed[0]!.files.map((f) => f.path);
  mkdirSync(join(app, 'node_modules'), { recursive: true });
  execFileSync('tar', ['-xzf', join(dir, packed[0]!.filename), '-C', dir]);
  cpSync(join(dir, 'package'), join(app, 'node_modules/orchestral'), { recursive: true });
  for (const name of readdirSync(join(ROOT, 'node_modules'))) {
    if (name === 'orchestral' || name.startsWith('.')) continue;
    symlinkSync(join(ROOT, 'node_modules', name), join(app, 'node_modules', name));
  }
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true, skipLibCheck: true, types: ['node'], outDir: 'out', rootDir: 'src' },
      include: ['src'],
    }),
  );
  mkdirSync(join(app, 'src'));
  writeFileSync(join(app, 'src/readme.ts'), readmeExample());
  cpSync(join(ROOT, 'examples/testing/policy.property.test.ts'), join(app, 'src/policy.property.test.ts'));
  writeFileSync(join(app, 'src/history.ts'), "import { foldHistory, planRunView, threadView } from 'orchestral/history';\nexport const history = [foldHistory, planRunView, threadView];\n");
  writeFileSync(
    join(app, 'src/light.ts'),
    "import { DEFAULT_STORE_URL, ID_PATTERN, lazyFactCodec, openEventStore, parseStoreUrl, StoreOpenError } from 'orchestral/base';\nimport { openLeaseStore, threadListings, threadsProjection, type ThreadListing } from 'orchestral/read';\nexport const light = [DEFAULT_STORE_URL, ID_PATTERN, lazyFactCodec, openEventStore, parseStoreUrl, StoreOpenError, openLeaseStore, threadListings, threadsProjection];\nexport type Listing = ThreadListing;\n",
  );
  // One compile serves every check below: a consumer's skipLibCheck build reports exactly the errors
  // of this run outside the declaration files, and tsc emits out/ whatever it reports.
  let tscOut: string;
  try {
    tscOut = execFileSync(process.execPath, [TSC, '-p', app, '--skipLibCheck', 'false', '--pretty', 'false'], { cwd: app, encoding: 'utf8' });
  } catch (err) {
    tscOut = String((err as { stdout?: string }).stdout);
  }
  tscErrors = tscOut.split('\n').filter((l) => /error TS\d+/.test(l));
}, 600_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the packed package in a strict NodeNext project', () => {
  it('ships dist, the console, README, LICENSE and the bin only', () => {
    expect(files).toEqual(expect.arrayContaining(['README.md', 'LICENSE', 'package.json', 'bin/orchestral.js', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/history.js', 'dist/src/history.d.ts', 'dist/src/base.js', 'dist/src/base.d.ts', 'dist/src/read.js', 'dist/src/read.d.ts', 'dist/src/testing/index.js', 'dist/machines/step.machine.js', 'dist/src/serve/index.js', 'dist/src/actions/mcp/index.js', 'console/index.html']));
    expect(files.filter((f) => !/^(dist\/|console\/|bin\/orchestral\.js$|README\.md$|LICENSE$|package\.json$)/.test(f))).toEqual([]);
    expect(files.some((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toBe(false);
  });

  it('type-checks with 0 errors', () => {
    expect(tscErrors.filter((l) => !inDependency(l))).toEqual([]);
  });

  it("checking every declaration file too, none of the errors is in the package's own (xstate's own .d.ts do not pass exactOptionalPropertyTypes)", () => {
    expect(tscErrors.filter((l) => l.includes('orchestral/') || l.startsWith('src/'))).toEqual([]);
  });

  it('runs the README example and the examples/testing property test with plain node (as tsc emitted them)', () => {
    const out = execFileSync(process.execPath, ['out/readme.js'], { cwd: app, encoding: 'utf8' });
    expect(out.trim()).toBe('completed 3n demo-2 true');
    const test = execFileSync(process.execPath, ['--test', 'out/policy.property.test.js'], { cwd: app, encoding: 'utf8' });
    expect(test).toMatch(/# pass 2/);
  });

  it('orchestral/serve serves the console from the package', () => {
    writeFileSync(
      join(app, 'serve-smoke.mjs'),
      [
        "import { factCodec, openEventStore } from 'orchestral';",
        "import { startServer } from 'orchestral/serve';",
        "const store = await openEventStore('memory:', { codec: factCodec });",
        "const server = await startServer({ store, storeUrl: 'memory:', port: 0, workspace: process.cwd() });",
        "const statuses = [];",
        "for (const path of ['/', '/console/app.js', '/vendor/preact.mjs', '/vendor/htm.mjs']) statuses.push((await fetch(server.url + path)).status);",
        'await server.close();',
        'await store.close();',
        'console.log(statuses.join(" "));',
      ].join('\n'),
    );
    const out = execFileSync(process.execPath, ['serve-smoke.mjs'], { cwd: app, encoding: 'utf8' });
    expect(out.trim()).toBe('200 200 200 200');
  });

  it('the packed bin runs the built CLI', () => {
    const version = execFileSync(process.execPath, ['node_modules/orchestral/bin/orchestral.js', '--version'], { cwd: app, encoding: 'utf8' });
    expect(version.trim()).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
  });
});
