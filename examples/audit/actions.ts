/**
 * Actions of the audit example (loaded automatically: the plan's top-level `actions: ./actions.ts`).
 *
 * Each is an ordinary Orchestral action (`defineAction`: zod input/output schemas, `run`), working on
 * the real files of the workspace:
 * - `audit.count-lines`: lines and files per language over the entries `fs.list` returned;
 * - `audit.find-markers`: TODO / FIXME / XXX / HACK comments with file and line;
 * - `audit.package-stats`: what package.json declares (dependencies, scripts). It is the plan's
 *   "flaky" step: offline there is no real flakiness, so it FAILS ITS FIRST ATTEMPT ON PURPOSE with a
 *   retryable error (a demo of retries: the plan gives it `retry.maxAttempts: 3`, and the facts show
 *   attempt 1 failed, attempt 2 completed);
 * - `audit.render-report`: the Markdown report from the other steps' outputs.
 */
import { readFile } from 'node:fs/promises';
import { extname, isAbsolute, relative, resolve } from 'node:path';
import { z } from 'zod';
import { ActionError, ActionInputError, defineAction } from 'orchestral';

const Entry = z.object({ path: z.string(), type: z.string(), size: z.number() });
type Entry = z.infer<typeof Entry>;

/** Language of a file by extension (null: not counted). */
const LANGUAGES: Record<string, string> = {
  '.ts': 'TypeScript', '.mts': 'TypeScript', '.cts': 'TypeScript', '.tsx': 'TypeScript',
  '.js': 'JavaScript', '.mjs': 'JavaScript', '.cjs': 'JavaScript', '.jsx': 'JavaScript',
  '.json': 'JSON', '.yaml': 'YAML', '.yml': 'YAML', '.md': 'Markdown', '.sh': 'Shell',
  '.py': 'Python', '.go': 'Go', '.rs': 'Rust', '.java': 'Java', '.c': 'C', '.h': 'C', '.cpp': 'C++',
  '.css': 'CSS', '.html': 'HTML', '.sql': 'SQL', '.toml': 'TOML',
};

/** Largest file read, bytes (bigger files are skipped and counted as skipped). */
const MAX_FILE_BYTES = 2 * 1024 * 1024;

/** Absolute path of a workspace-relative entry; refuses anything outside the workspace. */
function inWorkspace(action: string, workspace: string, path: string): string {
  const abs = resolve(workspace, path);
  const rel = relative(workspace, abs);
  if (rel.startsWith('..') || isAbsolute(rel)) throw new ActionInputError(action, 'files', `'${path}' is outside the workspace`);
  return abs;
}

/** The text files of `lists`, deduplicated, with their language. */
function textFiles(lists: Entry[][]): Array<{ path: string; language: string; size: number }> {
  const seen = new Set<string>();
  const out: Array<{ path: string; language: string; size: number }> = [];
  for (const e of lists.flat()) {
    const language = LANGUAGES[extname(e.path).toLowerCase()];
    if (e.type !== 'file' || language === undefined || seen.has(e.path)) continue;
    seen.add(e.path);
    out.push({ path: e.path, language, size: e.size });
  }
  return out;
}

export const countLines = defineAction({
  name: 'audit.count-lines',
  description: 'Counts files, lines and bytes per language over lists of fs.list entries.',
  input: z.object({ lists: z.array(z.array(Entry)).min(1) }),
  output: z.object({
    files: z.number(),
    lines: z.number(),
    skipped: z.number(),
    byLanguage: z.record(z.string(), z.object({ files: z.number(), lines: z.number(), bytes: z.number() })),
    largest: z.array(z.object({ path: z.string(), lines: z.number() })),
  }),
  async run(input, ctx) {
    const byLanguage: Record<string, { files: number; lines: number; bytes: number }> = {};
    const sizes: Array<{ path: string; lines: number }> = [];
    let files = 0;
    let lines = 0;
    let skipped = 0;
    const list = textFiles(input.lists);
    for (const [i, f] of list.entries()) {
      ctx.signal.throwIfAborted();
      if (f.size > MAX_FILE_BYTES) {
        skipped++;
        continue;
      }
      const text = await readFile(inWorkspace('audit.count-lines', ctx.workspace, f.path), 'utf8');
      const n = text === '' ? 0 : text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
      const l = (byLanguage[f.language] ??= { files: 0, lines: 0, bytes: 0 });
      l.files++;
      l.lines += n;
      l.bytes += f.size;
      files++;
      lines += n;
      sizes.push({ path: f.path, lines: n });
      if (i % 200 === 199) ctx.emit({ message: `${i + 1}/${list.length} files counted` });
    }
    sizes.sort((a, b) => b.lines - a.lines || a.path.localeCompare(b.path));
    return { files, lines, skipped, byLanguage, largest: sizes.slice(0, 5) };
  },
});

const MARKER = /\b(TODO|FIXME|XXX|HACK)\b[:\s]?(.*)$/;

export const findMarkers = defineAction({
  name: 'audit.find-markers',
  description: 'Finds TODO, FIXME, XXX and HACK markers (file, line, text) in the listed text files.',
  input: z.object({ lists: z.array(z.array(Entry)).min(1), maxHits: z.number().int().positive().default(50) }),
  output: z.object({
    total: z.number(),
    byMarker: z.record(z.string(), z.number()),
    hits: z.array(z.object({ file: z.string(), line: z.number(), marker: z.string(), text: z.string() })),
  }),
  async run(input, ctx) {
    const byMarker: Record<string, number> = {};
    const hits: Array<{ file: string; line: number; marker: string; text: string }> = [];
    let total = 0;
    for (const f of textFiles(input.lists)) {
      ctx.signal.throwIfAborted();
      if (f.size > MAX_FILE_BYTES) continue;
      const text = await readFile(inWorkspace('audit.find-markers', ctx.workspace, f.path), 'utf8');
      text.split('\n').forEach((line, i) => {
        const m = MARKER.exec(line);
        if (!m) return;
        total++;
        byMarker[m[1]!] = (byMarker[m[1]!] ?? 0) + 1;
        if (hits.length < input.maxHits) hits.push({ file: f.path, line: i + 1, marker: m[1]!, text: m[2]!.trim().slice(0, 120) });
      });
    }
    return { total, byMarker, hits };
  },
});

export const packageStats = defineAction({
  name: 'audit.package-stats',
  description: 'Reads package.json: name, version, dependency and script counts. Demo: fails its first attempt (retryable).',
  input: z.object({ path: z.string().default('package.json') }),
  output: z.object({
    found: z.boolean(),
    name: z.string().nullable(),
    version: z.string().nullable(),
    dependencies: z.number(),
    devDependencies: z.number(),
    scripts: z.array(z.string()),
  }),
  async run(input, ctx) {
    if (ctx.attempt === 1) {
      // Offline there is no real flakiness to show: the first attempt fails on purpose (see the module doc).
      throw new ActionError('audit.package-stats: simulated transient failure on the first attempt (retry demo)', { retryable: true });
    }
    let pkg: Record<string, unknown>;
    try {
      pkg = JSON.parse(await readFile(inWorkspace('audit.package-stats', ctx.workspace, input.path), 'utf8')) as Record<string, unknown>;
    } catch {
      return { found: false, name: null, version: null, dependencies: 0, devDependencies: 0, scripts: [] };
    }
    const count = (k: string) => Object.keys((pkg[k] as Record<string, unknown> | undefined) ?? {}).length;
    return {
      found: true,
      name: typeof pkg['name'] === 'string' ? pkg['name'] : null,
      version: typeof pkg['version'] === 'string' ? pkg['version'] : null,
      dependencies: count('dependencies'),
      devDependencies: count('devDependencies'),
      scripts: Object.keys((pkg['scripts'] as Record<string, unknown> | undefined) ?? {}),
    };
  },
});

export const renderReport = defineAction({
  name: 'audit.render-report',
  description: 'Renders the audit report (Markdown) from the outputs of the other audit steps.',
  input: z.object({
    title: z.string(),
    lines: countLines.output,
    markers: findMarkers.output,
    pkg: packageStats.output,
    recentCommits: z.string(),
  }),
  output: z.object({ markdown: z.string(), summary: z.string() }),
  async run(input) {
    const { lines, markers, pkg } = input;
    const langs = Object.entries(lines.byLanguage).sort((a, b) => b[1].lines - a[1].lines);
    const md = [
      `# ${input.title}`,
      '',
      `${lines.files} files, ${lines.lines} lines${lines.skipped ? ` (${lines.skipped} large files skipped)` : ''}; ${markers.total} TODO/FIXME markers.`,
      '',
      '## Lines by language',
      '',
      '| language | files | lines | bytes |',
      '| --- | ---: | ---: | ---: |',
      ...langs.map(([l, s]) => `| ${l} | ${s.files} | ${s.lines} | ${s.bytes} |`),
      '',
      '## Largest files',
      '',
      ...lines.largest.map((f) => `- \`${f.path}\`: ${f.lines} lines`),
      '',
      '## Markers',
      '',
      ...(markers.hits.length ? markers.hits.map((h) => `- \`${h.file}:${h.line}\` **${h.marker}** ${h.text}`) : ['none']),
      '',
      '## Package',
      '',
      pkg.found ? `${pkg.name ?? '(unnamed)'} ${pkg.version ?? ''}: ${pkg.dependencies} dependencies, ${pkg.devDependencies} dev dependencies; scripts: ${pkg.scripts.join(', ') || 'none'}` : 'no package.json',
      '',
      '## Recent commits',
      '',
      '```',
      input.recentCommits.trim() || '(no git history)',
      '```',
      '',
    ].join('\n');
    const top = langs[0];
    const summary = `${lines.files} files, ${lines.lines} lines${top ? ` (mostly ${top[0]})` : ''}, ${markers.total} markers`;
    return { markdown: md, summary };
  },
});

/** The module's actions, as the CLI loads them (`export default` or `export const actions`). */
export const actions = [countLines, findMarkers, packageStats, renderReport];
export default actions;
