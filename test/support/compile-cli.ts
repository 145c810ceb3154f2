/**
 * Vitest global setup: compiles the package's sources (the files `tsconfig.build.json` builds:
 * src/, machines/, projections/) to JavaScript once per test run, so tests that spawn the CLI
 * start a plain `node` process instead of paying tsx's loader and on-the-fly transform at every
 * spawn (about three times the start-up CPU on this code base).
 *
 * Each file goes through TypeScript's own `transpileModule` with the build's compiler options
 * (`rewriteRelativeImportExtensions` turns the `.ts` imports into `.js` ones, as `npm run build`
 * does; the sources are `isolatedModules`, so per-file output equals the build's). No type check:
 * `npm run typecheck` does that. The output lands in `test-output/cli/<hash of the sources>/`
 * (git-ignored; beside the package.json, so the modules that look for the package's root, e.g.
 * the console's assets and `--version`, find this checkout's), one directory per distinct
 * source state: a run never rewrites files another run may be executing, and an unchanged tree is
 * not compiled again. The CLI entry's absolute path is handed to the tests as `cliBin`
 * (`inject('cliBin')`, see test/cli/helpers.ts).
 *
 * The action modules that the multi-process tests name in their plans, and the child-process probe
 * of test/library/lazy-adapters (`TEST_MODULES`), are compiled into the same tree: their imports of the sources (relative, or the package's own name
 * `orchestral`) then resolve to the very modules the compiled CLI runs, so a spawned CLI loads such
 * a module without tsx and without a second copy of the library (about 0.7 s of CPU less per spawn
 * for test/cli/fixtures/sidefx-actions.ts, 1.9 s for the crash demo's actions, which import the
 * package's index). The `.ts` originals stay covered through tsx by the tests that name them.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Absolute path of the compiled CLI entry (`<out>/src/cli/bin.js`). */
    cliBin: string;
  }
}

const ROOT = resolve(import.meta.dirname, '../..');
const OUT = join(ROOT, 'test-output', 'cli');
/**
 * Modules of the tests' child processes compiled beside the sources (paths relative to the
 * repository root): action modules named by plans, and the lazy-loading probe. Tests get the
 * compiled path with `compiledModule` (test/cli/helpers.ts).
 */
export const TEST_MODULES: readonly string[] = [
  'test/cli/fixtures/sidefx-actions.ts',
  'examples/crash-demo/actions.ts',
  'bench/workers/fleet-actions.ts',
  'test/library/fixtures/loaded-modules.ts',
];
/** Compiled trees left by earlier runs are removed once this old (ms): old enough that no run still uses them. */
const STALE_MS = 60 * 60 * 1000;

/**
 * Compiles the sources if this state of them was not compiled yet.
 * @returns the absolute path of the compiled `src/cli/bin.js`.
 * @throws Error when tsconfig.build.json cannot be read or a source file does not transpile.
 */
export function compileCli(): string {
  const configPath = join(ROOT, 'tsconfig.build.json');
  const config = ts.getParsedCommandLineOfConfigFile(configPath, {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(`tsconfig.build.json: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    },
  });
  if (config === undefined || config.errors.length > 0) throw new Error(`tsconfig.build.json: ${config?.errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')).join('; ')}`);
  const files = [...config.fileNames.filter((f) => !f.endsWith('.d.ts')), ...TEST_MODULES.map((f) => join(ROOT, f))].sort();
  const sources = files.map((f) => [relative(ROOT, f), readFileSync(f, 'utf8')] as const);
  const hash = createHash('sha256');
  hash.update(ts.version);
  hash.update(readFileSync(configPath));
  hash.update(readFileSync(join(ROOT, 'tsconfig.json')));
  for (const [path, text] of sources) hash.update(`\0${path}\0${text}`);
  const key = hash.digest('hex').slice(0, 16);
  const dir = join(OUT, key);
  const bin = join(dir, 'src', 'cli', 'bin.js');
  removeStale(key);
  if (existsSync(bin)) {
    const now = new Date();
    utimesSync(dir, now, now); // in use: not stale for another STALE_MS
    return bin;
  }

  // The package is ESM ("type": "module"); transpileModule cannot see package.json, so it is told.
  const options: ts.CompilerOptions = { ...config.options, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, noEmit: false, declaration: false, sourceMap: false, incremental: false, composite: false };
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  for (const [path, text] of sources) {
    const out = ts.transpileModule(text, { fileName: join(ROOT, path), compilerOptions: options, reportDiagnostics: true, transformers: { before: [ownNameToRelative(path)] } });
    const errors = (out.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
    if (errors.length > 0) throw new Error(`${path}: ${errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')).join('; ')}`);
    const target = join(tmp, path.replace(/\.(m|c)?ts$/, '.$1js'));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, out.outputText);
  }
  try {
    renameSync(tmp, dir);
  } catch (e) {
    // Another run compiled the same sources first: theirs is identical.
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(bin)) throw e;
  }
  return bin;
}

/**
 * A transformer rewriting imports of the package's own name (`'orchestral'`, as the examples write
 * them) in the module at `path` (relative to the root) to the compiled `src/index.js` of the same tree.
 */
function ownNameToRelative(path: string): ts.TransformerFactory<ts.SourceFile> {
  let target = relative(dirname(join(ROOT, path)), join(ROOT, 'src', 'index.js')).split('\\').join('/');
  if (!target.startsWith('.')) target = `./${target}`;
  return (ctx) => (sf) => {
    const visit = (node: ts.Node): ts.Node => {
      if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier !== undefined && ts.isStringLiteral(node.moduleSpecifier) && node.moduleSpecifier.text === 'orchestral') {
        const spec = ctx.factory.createStringLiteral(target);
        return ts.isImportDeclaration(node)
          ? ctx.factory.updateImportDeclaration(node, node.modifiers, node.importClause, spec, node.attributes)
          : ctx.factory.updateExportDeclaration(node, node.modifiers, node.isTypeOnly, node.exportClause, spec, node.attributes);
      }
      return node;
    };
    return ts.visitEachChild(sf, visit, ctx);
  };
}

/** Removes compiled trees (and abandoned temporary ones) older than STALE_MS, except `keep`. */
function removeStale(keep: string): void {
  if (!existsSync(OUT)) return;
  for (const name of readdirSync(OUT)) {
    if (name === keep) continue;
    const p = join(OUT, name);
    try {
      if (Date.now() - statSync(p).mtimeMs > STALE_MS) rmSync(p, { recursive: true, force: true });
    } catch {
      // removed by a concurrent run
    }
  }
}

/** Vitest's global setup hook. */
export default function setup(project: TestProject): void {
  project.provide('cliBin', compileCli());
}
