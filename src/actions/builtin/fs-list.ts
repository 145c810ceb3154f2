/** `fs.list`: lists a directory inside the workspace (optionally recursively, never following symlinks). */
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { defineAction } from '../action.ts';
import { throwIfAborted } from './abort.ts';
import { protectedReason, type SandboxOptions } from './protected-paths.ts';
import { openDirPath, openSubdir, pathComponents, type SandboxDir } from './sandbox.ts';

/** Default most entries returned. */
export const DEFAULT_MAX_LIST_ENTRIES = 1000;

/** Options of the `fs.list` built-in. */
export interface FsListOptions extends SandboxOptions {
  /** Most entries returned; more set `truncated: true`. Default 1000. */
  maxListEntries?: number;
}

const Entry = z.object({
  /** Relative to the workspace root, `/`-separated. */
  path: z.string(),
  type: z.enum(['file', 'directory', 'symlink', 'other']),
  /** Bytes (as lstat reports; for directories the filesystem's figure). */
  size: z.number(),
});

/**
 * Creates `fs.list`: input `{ path = '.', recursive = false, maxEntries? }`, output `{ path, entries,
 * truncated }`. Entries are sorted by name within each directory, directories listed before their
 * contents (pre-order); symlinks are reported as `symlink` and never followed. Directories are opened
 * through the workspace sandbox (`sandbox.ts`, no symlink followed at any component); protected
 * entries (`.git`, the store, ...) are left out of listings and refused as `path`.
 * Errors: WorkspaceViolationError, ActionInputError (missing or not a directory), ActionAbortedError.
 */
export function fsListAction(options: FsListOptions = {}) {
  const cap = options.maxListEntries ?? DEFAULT_MAX_LIST_ENTRIES;
  return defineAction({
    name: 'fs.list',
    description: 'Lists the entries of a directory inside the workspace (relative paths, type, size).',
    input: z.strictObject({
      path: z.string().min(1).default('.').describe('Directory relative to the workspace root'),
      recursive: z.boolean().default(false),
      maxEntries: z.number().int().positive().optional(),
    }),
    output: z.object({ path: z.string(), entries: z.array(Entry), truncated: z.boolean() }),
    async run(input, ctx) {
      throwIfAborted('fs.list', ctx.signal);
      const limit = Math.min(cap, input.maxEntries ?? cap);
      const parts = pathComponents('fs.list', input.path);
      const top = await openDirPath('fs.list', ctx.workspace, input.path, parts, options);
      const entries: z.infer<typeof Entry>[] = [];
      let truncated = false;
      const walk = async (dir: SandboxDir): Promise<void> => {
        const names = (await readdir(dir.child(''))).sort();
        for (const name of names) {
          throwIfAborted('fs.list', ctx.signal);
          if (entries.length >= limit) {
            truncated = true;
            return;
          }
          if (protectedReason(dir.policy, dir.root, path.join(dir.root, dir.relative, name)) !== undefined) continue;
          const rel = dir.relative === '.' ? name : `${dir.relative}/${name}`;
          const st = await lstat(dir.child(name)).catch(() => undefined);
          if (!st) continue; // removed meanwhile
          const type = st.isSymbolicLink() ? 'symlink' : st.isDirectory() ? 'directory' : st.isFile() ? 'file' : 'other';
          entries.push({ path: rel, type, size: st.size });
          if (input.recursive && type === 'directory') {
            // Swapped for a symlink (or removed) since lstat: refused by openSubdir, not descended.
            const sub = await openSubdir('fs.list', input.path, dir, name).catch(() => undefined);
            if (!sub) continue;
            try {
              await walk(sub);
            } finally {
              await sub.close();
            }
          }
          if (truncated) return;
        }
      };
      try {
        await walk(top);
      } finally {
        await top.close();
      }
      return { path: top.relative, entries, truncated };
    },
  });
}
