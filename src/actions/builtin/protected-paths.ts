/**
 * Which workspace entries the fs actions never touch: version-control metadata (writing
 * `.git/config` or `.git/hooks/*` runs code on the user's next `git` command) and Orchestral's own
 * store (writing it destroys every thread's history). Refused for reading, writing and listing alike.
 *
 * Two kinds of entries, both also protecting everything below them:
 * - names (`DEFAULT_PROTECTED_NAMES`): any path component with one of these names, at any depth,
 *   compared case-insensitively (a case-insensitive filesystem maps `.GIT` to `.git`);
 * - absolute paths (`protectedPaths`, e.g. the SQLite store file, its `-wal`/`-shm`/`-journal`
 *   files and its directory), compared after resolving the existing part with `realpath`.
 */
import { realpath } from 'node:fs/promises';
import path from 'node:path';

/** Component names refused at any depth: `.git`, `.hg`, `.svn` (VCS metadata), `.orchestral` (the default store directory). */
export const DEFAULT_PROTECTED_NAMES: readonly string[] = ['.git', '.hg', '.svn', '.orchestral'];

/** Options of the workspace sandbox shared by `fs.read`, `fs.write` and `fs.list`. */
export interface SandboxOptions {
  /**
   * More absolute paths refused (with everything below them), on top of `DEFAULT_PROTECTED_NAMES`;
   * e.g. `sqliteStoreFiles(storePath, workspace)`. Relative entries are resolved against the working directory.
   */
  protectedPaths?: readonly string[];
}

/** A protection policy ready for checks: lower-cased names and real absolute paths. */
export interface ProtectionPolicy {
  names: ReadonlySet<string>;
  paths: readonly string[];
}

/** True when `p` is `root` or below it (both absolute, normalised). */
export function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

/** `p` with its deepest existing ancestor resolved by `realpath` (the missing rest appended as is). */
async function realOrAncestor(p: string): Promise<string> {
  const missing: string[] = [];
  let probe = path.resolve(p);
  for (;;) {
    try {
      return path.join(await realpath(probe), ...missing.reverse());
    } catch {
      const parent = path.dirname(probe);
      if (parent === probe) return path.resolve(p);
      missing.push(path.basename(probe));
      probe = parent;
    }
  }
}

/** Builds the policy of `options` (a `realpath` per protected path; nothing is created). */
export async function protectionPolicy(options: SandboxOptions = {}): Promise<ProtectionPolicy> {
  const extra = options.protectedPaths ?? [];
  const paths = await Promise.all(extra.map((p) => realOrAncestor(p)));
  return { names: new Set(DEFAULT_PROTECTED_NAMES.map((n) => n.toLowerCase())), paths: [...new Set([...extra.map((p) => path.resolve(p)), ...paths])] };
}

/**
 * Why the entry at real absolute path `abs` (below the real workspace root `root`) is protected,
 * or undefined when it is not.
 */
export function protectedReason(policy: ProtectionPolicy, root: string, abs: string): string | undefined {
  const rel = path.relative(root, abs);
  if (rel !== '' && isInside(root, abs)) {
    for (const part of rel.split(path.sep)) {
      if (policy.names.has(part.toLowerCase())) return `'${part}' is protected (version-control metadata and Orchestral's store are off limits to fs actions)`;
    }
  }
  for (const p of policy.paths) {
    if (isInside(p, abs)) return `it is (or is inside) Orchestral's event store '${p}', which fs actions never touch`;
  }
  return undefined;
}

/**
 * The paths to protect for a SQLite store file: the file, its `-wal`, `-shm` and `-journal`
 * companions, and its directory unless that directory is the workspace root or contains it (then
 * protecting it would refuse the whole workspace).
 */
export function sqliteStoreFiles(storePath: string, workspace: string): string[] {
  const file = path.resolve(storePath);
  const dir = path.dirname(file);
  const files = [file, `${file}-wal`, `${file}-shm`, `${file}-journal`];
  return isInside(dir, path.resolve(workspace)) ? files : [...files, dir];
}
