/**
 * The allowed set of `fs.write` paths that need no approval (for model-planned threads). A pattern
 * is a `/`-separated path relative to the workspace root:
 * - `*` matches any characters except `/`; `?` one character except `/`;
 * - `**` as a whole component matches any number of components (zero included);
 * - a trailing `/` means "everything below": `out/` is `out/**`;
 * - anything else matches literally (`notes.md` allows exactly that file).
 * Paths are compared after lexical normalisation (`a/./b`, `a/x/../b` → `a/b`).
 */
import path from 'node:path';

function escapeRegExp(s: string): string {
  return s.replace(/[.+^${}()|[\]\\]/g, '\\$&');
}

/** Compiles one pattern (see the module doc) to an anchored RegExp. */
export function compileWritePattern(pattern: string): RegExp {
  let p = path.posix.normalize(pattern.trim()).replace(/^\.\//, '');
  if (p.endsWith('/')) p = `${p}**`;
  const parts = p.split('/');
  let out = '';
  parts.forEach((part, i) => {
    const last = i === parts.length - 1;
    if (part === '**') {
      out += last ? '.*' : '(?:[^/]+/)*';
      return;
    }
    out += part
      .split('')
      .map((c) => (c === '*' ? '[^/]*' : c === '?' ? '[^/]' : escapeRegExp(c)))
      .join('');
    if (!last) out += '/';
  });
  return new RegExp(`^${out}$`);
}

/**
 * Builds the approval check of `fs.write`: given the parsed input, returns why a human must approve
 * (the normalised path matches none of `allowed`), or undefined (allowed, or a path the sandbox
 * refuses anyway: empty, absolute, NUL, escaping with `..`).
 */
export function writeApprovalReason(allowed: readonly string[]): (input: { path: string }) => string | undefined {
  const patterns = allowed.filter((a) => a.trim() !== '').map(compileWritePattern);
  return (input) => {
    const p = input.path;
    if (p === '' || p.includes('\0') || path.posix.isAbsolute(p) || path.win32.isAbsolute(p)) return undefined;
    const rel = path.posix.normalize(p).replace(/^\.\//, '').replace(/\/$/, '');
    if (rel === '..' || rel.startsWith('../')) return undefined;
    if (patterns.some((re) => re.test(rel))) return undefined;
    const where = allowed.length === 0 ? 'no write paths are allowed without approval' : `allowed without approval: ${allowed.join(', ')}`;
    return `writes '${rel}' (${where})`;
  };
}
