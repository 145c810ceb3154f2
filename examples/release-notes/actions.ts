/**
 * Actions of the release-notes example (loaded through the plan's `actions:` key):
 * - `notes.parse-log`: parses `git log` output (fields separated by the unit separator 0x1f) into
 *   commits and groups them by kind — Conventional Commits prefixes (`feat:`, `fix(x):` …) when
 *   present, else the subject's first word (Add/Fix/Test/Doc/Refactor …);
 * - `notes.render`: the Markdown release notes from the groups, the package version and the last tag.
 */
import { z } from 'zod';
import { defineAction } from 'orchestral';

const Commit = z.object({ hash: z.string(), author: z.string(), date: z.string(), subject: z.string(), kind: z.string() });
type Commit = z.infer<typeof Commit>;

/** Section titles by kind, in the order they are printed. */
const SECTIONS: Array<[kind: string, title: string]> = [
  ['feature', 'Features'],
  ['fix', 'Fixes'],
  ['perf', 'Performance'],
  ['refactor', 'Refactoring'],
  ['test', 'Tests'],
  ['docs', 'Documentation'],
  ['build', 'Build and tooling'],
  ['other', 'Other changes'],
];

const PREFIX: Record<string, string> = {
  feat: 'feature', feature: 'feature', fix: 'fix', bugfix: 'fix', perf: 'perf', refactor: 'refactor', test: 'test', tests: 'test',
  docs: 'docs', doc: 'docs', build: 'build', ci: 'build', chore: 'build', style: 'refactor',
};
const FIRST_WORD: Array<[RegExp, string]> = [
  [/^(add|adds|added|implement|introduce|support|new)\b/i, 'feature'],
  [/^(fix|fixes|fixed|repair|correct)\b/i, 'fix'],
  [/^(speed|faster|optimi[sz]e)/i, 'perf'],
  [/^(refactor|rename|move|split|extract|simplify|clean)/i, 'refactor'],
  [/^(test|tests|e2e)\b/i, 'test'],
  [/^(doc|docs|readme)\b/i, 'docs'],
  [/^(build|ci|bump|upgrade|deps|lint|skeleton)\b/i, 'build'],
];

/** The kind of a commit subject (see the module doc). */
export function kindOf(subject: string): string {
  const conventional = /^(\w+)(\([^)]*\))?!?:\s/.exec(subject);
  if (conventional) return PREFIX[conventional[1]!.toLowerCase()] ?? 'other';
  for (const [re, kind] of FIRST_WORD) if (re.test(subject)) return kind;
  return 'other';
}

export const parseLog = defineAction({
  name: 'notes.parse-log',
  description: 'Parses git log lines "hash\\x1fauthor\\x1fdate\\x1fsubject" into commits grouped by kind.',
  input: z.object({ log: z.string() }),
  output: z.object({ commits: z.array(Commit), byKind: z.record(z.string(), z.number()), authors: z.array(z.string()) }),
  async run(input) {
    const commits: Commit[] = [];
    for (const line of input.log.split('\n')) {
      const [hash, author, date, ...rest] = line.split('\x1f');
      if (!hash || author === undefined || date === undefined) continue;
      const subject = rest.join(' ').trim();
      commits.push({ hash, author, date, subject, kind: kindOf(subject) });
    }
    const byKind: Record<string, number> = {};
    for (const c of commits) byKind[c.kind] = (byKind[c.kind] ?? 0) + 1;
    return { commits, byKind, authors: [...new Set(commits.map((c) => c.author))].sort() };
  },
});

export const render = defineAction({
  name: 'notes.render',
  description: 'Renders Markdown release notes from parsed commits, package.json text and the last tag.',
  input: z.object({
    parsed: parseLog.output,
    packageJson: z.string(),
    lastTag: z.string(),
    totalCommits: z.string(),
  }),
  output: z.object({ markdown: z.string(), sections: z.number() }),
  async run(input) {
    let name = 'this project';
    let version = '';
    try {
      const pkg = JSON.parse(input.packageJson) as { name?: string; version?: string };
      name = pkg.name ?? name;
      version = pkg.version ?? '';
    } catch {
      // not JSON: keep the defaults
    }
    const since = input.lastTag.trim() ? `since ${input.lastTag.trim()}` : 'from the start of history';
    const out = [`# ${name} ${version} — release notes`, '', `${input.parsed.commits.length} commits ${since} (${input.totalCommits.trim() || '?'} in total), by ${input.parsed.authors.join(', ') || 'nobody'}.`, ''];
    let sections = 0;
    for (const [kind, title] of SECTIONS) {
      const list = input.parsed.commits.filter((c) => c.kind === kind);
      if (list.length === 0) continue;
      sections++;
      out.push(`## ${title}`, '', ...list.map((c) => `- ${c.subject} (${c.hash}, ${c.date})`), '');
    }
    return { markdown: out.join('\n'), sections };
  },
});

export default [parseLog, render];
