/** `fs.list`: lists a directory inside the workspace (optionally recursively, never following symlinks). */
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { defineAction } from '../action.ts';
import { ActionInputError } from '../errors.ts';
import { throwIfAborted } from './abort.ts';
import { resolveInWorkspace } from './workspace.ts';

/** Default most entries returned. */
export const DEFAULT_MAX_LIST_ENTRIES = 1000;

/** Options of the `fs.list` built-in. */
export interface FsListOptions {
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
 * contents (pre-order); symlinks are reported as `symlink` and never followed.
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
      const where = await resolveInWorkspace('fs.list', ctx.workspace, input.path);
      if (!where.exists) throw new ActionInputError('fs.list', 'path', `'${input.path}' does not exist`);
      if (!(await lstat(where.absolute)).isDirectory()) {
        throw new ActionInputError('fs.list', 'path', `'${input.path}' is not a directory`);
      }
      const entries: z.infer<typeof Entry>[] = [];
      let truncated = false;
      const walk = async (dirAbs: string, dirRel: string): Promise<void> => {
        const names = (await readdir(dirAbs)).sort();
        for (const name of names) {
          throwIfAborted('fs.list', ctx.signal);
          if (entries.length >= limit) {
            truncated = true;
            return;
          }
          const abs = path.join(dirAbs, name);
          const rel = dirRel === '.' ? name : `${dirRel}/${name}`;
          const st = await lstat(abs);
          const type = st.isSymbolicLink() ? 'symlink' : st.isDirectory() ? 'directory' : st.isFile() ? 'file' : 'other';
          entries.push({ path: rel, type, size: st.size });
          if (input.recursive && type === 'directory') await walk(abs, rel);
          if (truncated) return;
        }
      };
      await walk(where.absolute, where.relative);
      return { path: where.relative, entries, truncated };
    },
  });
}
