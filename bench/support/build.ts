/**
 * The JavaScript users run, for the benches that time it (bench/threads, bench/growth): the package's
 * sources (the files tsconfig.build.json
 * builds: src/, machines/, projections/) and the bench's own scripts, each compiled by TypeScript's
 * `transpileModule` with the build's options (`rewriteRelativeImportExtensions`: `.ts` imports become
 * `.js`, as `npm run build` makes them; the sources are `isolatedModules`, so per-file output equals
 * the build's), into `<out>/dist/`, plus a copy of `bin/orchestral.js` in `<out>/bin/`. `<out>` lies
 * under the checkout's `test-output/` (git-ignored), so `node_modules` and the package.json resolve
 * as from dist/. No type check (`npm run typecheck` does that).
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';

/** Where `buildForBench` put its output. */
export interface BenchBuild {
  /** The output directory (remove it when done). */
  out: string;
  /** `<out>/bin/orchestral.js`, the command as users run it (it imports `<out>/dist/src/cli/bin.js`). */
  bin: string;
  /** `<out>/dist/<path>.js` of a source file's path relative to the checkout (`bench/threads/rehydrate.ts`). */
  js(path: string): string;
}

/**
 * Compiles the package and `extra` (paths relative to `root`) into a fresh directory under
 * `<root>/test-output/`.
 * @throws Error when tsconfig.build.json cannot be read or a file does not transpile.
 */
export function buildForBench(root: string, extra: readonly string[]): BenchBuild {
  const configPath = join(root, 'tsconfig.build.json');
  const config = ts.getParsedCommandLineOfConfigFile(configPath, {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(`tsconfig.build.json: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    },
  });
  if (config === undefined || config.errors.length > 0) throw new Error(`tsconfig.build.json: ${config?.errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')).join('; ')}`);
  // The package is ESM ("type": "module"); transpileModule cannot see package.json, so it is told.
  const options: ts.CompilerOptions = { ...config.options, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, noEmit: false, declaration: false, sourceMap: false, incremental: false, composite: false };
  mkdirSync(join(root, 'test-output'), { recursive: true });
  const out = mkdtempSync(join(root, 'test-output', 'bench-build-'));
  const files = [...config.fileNames.filter((f) => !f.endsWith('.d.ts')).map((f) => relative(root, f)), ...extra];
  const js = (path: string): string => join(out, 'dist', path.replace(/\.(m|c)?ts$/, '.$1js'));
  for (const path of files) {
    const result = ts.transpileModule(readFileSync(join(root, path), 'utf8'), { fileName: join(root, path), compilerOptions: options, reportDiagnostics: true });
    const errors = (result.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
    if (errors.length > 0) throw new Error(`${path}: ${errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')).join('; ')}`);
    mkdirSync(dirname(js(path)), { recursive: true });
    writeFileSync(js(path), result.outputText);
  }
  const bin = join(out, 'bin', 'orchestral.js');
  mkdirSync(dirname(bin), { recursive: true });
  copyFileSync(join(root, 'bin', 'orchestral.js'), bin);
  return { out, bin, js };
}
