/**
 * Path-based confinement to the workspace root, used for `shell.exec`'s `cwd` (the child changes
 * directory by path). The fs actions use the descriptor-based sandbox in `sandbox.ts` instead.
 *
 * A user path is refused when it is absolute, contains a NUL byte, or lexically leaves the root
 * (`..` escapes; `a/../b` that stays inside is fine). The path is then resolved with `realpath`
 * (every symlink on the way followed) and refused unless the result is the root or below it. For a
 * path that does not exist yet (a write), the deepest existing ancestor is realpath-checked instead;
 * an entry that exists but cannot be resolved (a dangling or looping symlink) is refused, since
 * writing through it could create a file outside. Callers operate on the returned real path, never
 * on the user string. Residual risk: a symlink swapped in between this check and the operation
 * (TOCTOU).
 */
import { lstat, realpath } from 'node:fs/promises';
import path from 'node:path';
import { WorkspaceViolationError } from '../errors.ts';

/** A checked location inside the workspace. */
export interface WorkspacePath {
  /** Absolute real path (symlinks resolved; for a missing path: real ancestor + remaining names). */
  absolute: string;
  /** Path relative to the real root, `/`-separated; `.` for the root itself. */
  relative: string;
  /** Whether the path exists. */
  exists: boolean;
}

function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function toRelative(root: string, p: string): string {
  const rel = path.relative(root, p);
  return rel === '' ? '.' : rel.split(path.sep).join('/');
}

/**
 * Resolves `userPath` (relative to `workspace`) to a real location inside it.
 * @param action name used in error messages.
 * @throws WorkspaceViolationError (code `WORKSPACE_VIOLATION`) when the path is empty, absolute,
 *   contains NUL, escapes with `..`, resolves through a symlink outside the root, or is a dangling symlink;
 *   also when the workspace root itself does not exist.
 */
export async function resolveInWorkspace(action: string, workspace: string, userPath: string): Promise<WorkspacePath> {
  if (userPath === '') throw new WorkspaceViolationError(action, userPath, 'empty path (use "." for the root)');
  if (userPath.includes('\0')) throw new WorkspaceViolationError(action, userPath, 'contains a NUL byte');
  if (path.isAbsolute(userPath) || path.win32.isAbsolute(userPath)) {
    throw new WorkspaceViolationError(action, userPath, 'absolute paths are not allowed; give a path relative to the workspace');
  }
  let realRoot: string;
  try {
    realRoot = await realpath(workspace);
  } catch (err) {
    throw new WorkspaceViolationError(action, userPath, `workspace root '${workspace}' is not accessible: ${(err as Error).message}`);
  }
  const lexical = path.resolve(realRoot, userPath);
  if (!isInside(realRoot, lexical)) {
    throw new WorkspaceViolationError(action, userPath, 'escapes the workspace root with ".."');
  }
  // Walk up from the full path to the deepest entry that exists, then check its real location.
  let probe = lexical;
  const missing: string[] = [];
  for (;;) {
    let real: string | undefined;
    try {
      real = await realpath(probe);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && (err as NodeJS.ErrnoException).code !== 'ELOOP') throw err;
      const exists = await lstat(probe).then(() => true, () => false);
      if (exists) {
        throw new WorkspaceViolationError(action, userPath, `'${toRelative(realRoot, probe)}' is a symlink that cannot be resolved`);
      }
    }
    if (real !== undefined) {
      if (!isInside(realRoot, real)) {
        throw new WorkspaceViolationError(action, userPath, 'resolves (through a symlink) outside the workspace root');
      }
      const absolute = path.join(real, ...missing.reverse());
      return { absolute, relative: toRelative(realRoot, absolute), exists: missing.length === 0 };
    }
    missing.push(path.basename(probe));
    probe = path.dirname(probe);
  }
}
