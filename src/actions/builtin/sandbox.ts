/**
 * The workspace sandbox of the fs actions: opens files and directories inside the workspace root
 * without following a symlink at any path component, so a local process swapping a file or a
 * parent directory for a symlink cannot redirect a read, write or listing outside the root.
 *
 * How (Linux): the user path is first checked lexically (not empty, no NUL, not absolute, no `..`
 * leaving the root) and against the protection policy (`protected-paths.ts`). The real root is
 * opened as a directory; then every component is opened relative to the previous directory's
 * descriptor through `/proc/self/fd/<fd>/<name>` (the kernel resolves `/proc/self/fd/<fd>` to the
 * open directory itself, so this behaves like `openat(fd, name)`), with `O_NOFOLLOW` (a symlink is
 * refused, never followed) and `O_DIRECTORY` for directories. Every opened descriptor's real path
 * (`readlink /proc/self/fd/<fd>`) is checked to be inside the real root and not protected. The last
 * component is opened with `O_NOFOLLOW | O_NONBLOCK` (a FIFO cannot block the open) and `fstat`ed:
 * anything but a regular file is refused. Symlinks inside the workspace are refused too, even when
 * they point inside: a symlink is never followed.
 *
 * Elsewhere (no `/proc/self/fd`) every fs action is refused: there is no portable race-free walk
 * from Node without `openat`. Residual risk: a directory moved (renamed, not symlinked) out of the
 * workspace after its descriptor was checked.
 */
import { constants, existsSync } from 'node:fs';
import { lstat, mkdir, open, readlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { ActionInputError, WorkspaceViolationError } from '../errors.ts';
import { isInside, protectedReason, protectionPolicy, type ProtectionPolicy, type SandboxOptions } from './protected-paths.ts';

const PROC_FD = '/proc/self/fd';
const O = constants;
const DIR_FLAGS = O.O_RDONLY | O.O_DIRECTORY | O.O_NOFOLLOW | O.O_NONBLOCK;

/** An open directory inside the workspace; the caller must `close()` it. */
export interface SandboxDir {
  /** The directory's descriptor. */
  handle: FileHandle;
  /** Real absolute path of the workspace root. */
  root: string;
  /** Path relative to the root, `/`-separated; `.` for the root. */
  relative: string;
  policy: ProtectionPolicy;
  /** `/proc/self/fd/<fd>/<name>`: a path naming `name` inside this very directory. */
  child(name: string): string;
  close(): Promise<void>;
}

/** The lexical components of `userPath` (no `.`, no `..`), checked. @throws WorkspaceViolationError. */
export function pathComponents(action: string, userPath: string): string[] {
  const refuse = (why: string): never => {
    throw new WorkspaceViolationError(action, userPath, why);
  };
  if (userPath === '') refuse('empty path (use "." for the root)');
  if (userPath.includes('\0')) refuse('contains a NUL byte');
  if (path.posix.isAbsolute(userPath) || path.win32.isAbsolute(userPath)) {
    refuse('absolute paths are not allowed; give a path relative to the workspace');
  }
  const parts = path.posix.normalize(userPath).split('/').filter((p) => p !== '' && p !== '.');
  if (parts[0] === '..') refuse('escapes the workspace root with ".."');
  return parts;
}

let procFdUsable: boolean | undefined;

function assertSupported(action: string, userPath: string): void {
  procFdUsable ??= process.platform === 'linux' && existsSync(PROC_FD);
  if (!procFdUsable) {
    const where = process.platform === 'linux' ? `${PROC_FD} is not mounted` : `not on ${process.platform}`;
    throw new WorkspaceViolationError(action, userPath, `symlink-safe file access needs Linux ${PROC_FD} (${where}); fs actions are refused`);
  }
}

/** Real path of an open descriptor. */
export async function fdPath(handle: FileHandle): Promise<string> {
  return readlink(`${PROC_FD}/${handle.fd}`);
}

/**
 * Checks that `handle` (just opened as `relative`) really lies inside the root and is not protected;
 * closes it and throws otherwise. @throws WorkspaceViolationError.
 */
export async function verifyOpened(action: string, userPath: string, dir: Pick<SandboxDir, 'root' | 'policy'>, handle: FileHandle): Promise<void> {
  let why: string | undefined;
  try {
    const real = (await fdPath(handle)).replace(/ \(deleted\)$/, '');
    why = !isInside(dir.root, real) ? 'resolves outside the workspace root' : protectedReason(dir.policy, dir.root, real);
  } catch (err) {
    await handle.close();
    throw err;
  }
  if (why !== undefined) {
    await handle.close();
    throw new WorkspaceViolationError(action, userPath, why);
  }
}

function makeDir(handle: FileHandle, root: string, relative: string, policy: ProtectionPolicy): SandboxDir {
  return { handle, root, relative, policy, child: (name) => `${PROC_FD}/${handle.fd}/${name}`, close: () => handle.close() };
}

/** Opens the real workspace root. @throws WorkspaceViolationError when it is missing or not a directory. */
async function openRoot(action: string, workspace: string, userPath: string, options: SandboxOptions): Promise<SandboxDir> {
  let handle: FileHandle;
  try {
    handle = await open(path.resolve(workspace), O.O_RDONLY | O.O_DIRECTORY);
  } catch (err) {
    throw new WorkspaceViolationError(action, userPath, `workspace root '${workspace}' is not accessible: ${(err as Error).message}`);
  }
  return makeDir(handle, await fdPath(handle), '.', await protectionPolicy(options));
}

/** What the kernel said about opening `name` in a directory, as an action error. */
async function openError(action: string, userPath: string, dir: SandboxDir, name: string, err: unknown, want: 'directory' | 'file'): Promise<Error> {
  const code = (err as NodeJS.ErrnoException).code;
  const rel = dir.relative === '.' ? name : `${dir.relative}/${name}`;
  if (code === 'ELOOP' || code === 'ENOTDIR') {
    const st = await lstat(dir.child(name)).catch(() => undefined);
    if (st?.isSymbolicLink() || code === 'ELOOP') return new WorkspaceViolationError(action, userPath, `'${rel}' is a symlink (fs actions never follow symlinks)`);
    return new ActionInputError(action, 'path', `'${rel}' is not a ${want}`);
  }
  if (code === 'ENOENT') return new ActionInputError(action, 'path', `${want === 'directory' ? 'directory ' : ''}'${rel}' does not exist`);
  if (code === 'ENXIO' || code === 'EOPNOTSUPP') return new ActionInputError(action, 'path', `'${rel}' is not a regular file`);
  return err instanceof Error ? err : new Error(String(err));
}

/** Opens subdirectory `name` of `dir` (no symlink followed) and verifies it. Does not close `dir`. */
export async function openSubdir(action: string, userPath: string, dir: SandboxDir, name: string): Promise<SandboxDir> {
  let handle: FileHandle;
  try {
    handle = await open(dir.child(name), DIR_FLAGS);
  } catch (err) {
    throw await openError(action, userPath, dir, name, err, 'directory');
  }
  await verifyOpened(action, userPath, dir, handle);
  return makeDir(handle, dir.root, dir.relative === '.' ? name : `${dir.relative}/${name}`, dir.policy);
}

/**
 * Opens the directory `parts` names, starting at the workspace root, one component at a time.
 * With `createDirs`, missing components are created (mode 0755). `target` (default `parts`) is the
 * full path checked against the protection policy first. The caller closes the result.
 * @throws WorkspaceViolationError (symlink, protected, outside, unsupported platform),
 *   ActionInputError (a component is missing or not a directory).
 */
export async function openDirPath(
  action: string,
  workspace: string,
  userPath: string,
  parts: readonly string[],
  options: SandboxOptions & { createDirs?: boolean; target?: readonly string[] },
): Promise<SandboxDir> {
  assertSupported(action, userPath);
  let dir = await openRoot(action, workspace, userPath, options);
  try {
    const why = protectedReason(dir.policy, dir.root, path.join(dir.root, ...(options.target ?? parts)));
    if (why !== undefined) throw new WorkspaceViolationError(action, userPath, why);
    for (const name of parts) {
      if (options.createDirs) {
        await mkdir(dir.child(name), 0o755).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'EEXIST') throw err;
        });
      }
      const next = await openSubdir(action, userPath, dir, name);
      await dir.close();
      dir = next;
    }
    return dir;
  } catch (err) {
    await dir.handle.close().catch(() => undefined);
    throw err;
  }
}

/** The directory holding a path's last component, opened; `name` is undefined for the root itself. */
export interface SandboxParent {
  dir: SandboxDir;
  name: string | undefined;
  /** The whole path relative to the root, `/`-separated (`.` for the root). */
  relative: string;
}

/**
 * Opens the parent directory of `userPath` (see `openDirPath`); the caller closes `dir`. The whole
 * path is checked against the protection policy before anything is opened or created.
 * @throws as `openDirPath`.
 */
export async function openParentOf(action: string, workspace: string, userPath: string, options: SandboxOptions & { createDirs?: boolean }): Promise<SandboxParent> {
  const parts = pathComponents(action, userPath);
  const relative = parts.length === 0 ? '.' : parts.join('/');
  const dir = await openDirPath(action, workspace, userPath, parts.slice(0, -1), { ...options, target: parts });
  return { dir, name: parts.at(-1), relative };
}

/** Open flags for the last component: never follow, never block on a FIFO, never take a terminal. */
export const FILE_FLAGS = O.O_NOFOLLOW | O.O_NONBLOCK | O.O_NOCTTY;

/**
 * Opens file `name` of `dir` with `flags | FILE_FLAGS` (mode 0644 when created), refuses anything
 * but a regular file and verifies its real path. The caller closes the result.
 * @throws WorkspaceViolationError (symlink, outside, protected), ActionInputError (missing, not a
 *   regular file, `EEXIST`/`EISDIR` as the kernel reports them).
 */
export async function openFileIn(action: string, userPath: string, dir: SandboxDir, name: string, flags: number): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await open(dir.child(name), flags | FILE_FLAGS, 0o644);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const rel = dir.relative === '.' ? name : `${dir.relative}/${name}`;
    if (code === 'EEXIST') throw new ActionInputError(action, 'path', `'${rel}' exists (mode "create")`);
    if (code === 'EISDIR') throw new ActionInputError(action, 'path', `'${rel}' is a directory`);
    throw await openError(action, userPath, dir, name, err, 'file');
  }
  const st = await handle.stat().catch(async (err: unknown) => {
    await handle.close();
    throw err;
  });
  if (!st.isFile()) {
    await handle.close();
    const what = st.isDirectory() ? 'a directory' : st.isFIFO() ? 'a FIFO' : st.isSocket() ? 'a socket' : 'a device or other special file';
    throw new ActionInputError(action, 'path', `'${userPath}' is not a regular file (it is ${what})`);
  }
  await verifyOpened(action, userPath, dir, handle);
  return handle;
}
