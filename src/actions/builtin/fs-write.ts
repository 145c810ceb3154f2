/** `fs.write`: writes (overwrites, appends to, or creates) a file inside the workspace. */
import { constants } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { defineAction } from '../action.ts';
import { ActionInputError, ActionLimitError } from '../errors.ts';
import { throwIfAborted } from './abort.ts';
import { resolveInWorkspace } from './workspace.ts';

/** Default largest content `fs.write` accepts, bytes (10 MiB). */
export const DEFAULT_MAX_WRITE_BYTES = 10 * 1024 * 1024;

/** Options of the `fs.write` built-in. */
export interface FsWriteOptions {
  /** Largest content written, bytes (after decoding base64). Default 10 MiB. */
  maxWriteBytes?: number;
}

const MODE_FLAGS = {
  overwrite: constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC,
  append: constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND,
  create: constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL,
} as const;

/**
 * Creates `fs.write`: input `{ path, content, encoding: 'utf8' | 'base64' = 'utf8', mode: 'overwrite' |
 * 'append' | 'create' = 'overwrite', createDirs = true }` (`create` fails if the file exists), output
 * `{ path, bytes }`. Opens with `O_NOFOLLOW` (a symlink as the last component is refused).
 * Errors: WorkspaceViolationError, ActionInputError (target is a directory, exists in `create` mode,
 * parent missing with `createDirs: false`), ActionLimitError (content over the cap), ActionAbortedError.
 */
export function fsWriteAction(options: FsWriteOptions = {}) {
  const cap = options.maxWriteBytes ?? DEFAULT_MAX_WRITE_BYTES;
  return defineAction({
    name: 'fs.write',
    description: 'Writes text (or base64 bytes) to a file inside the workspace; creates parent directories by default.',
    input: z.strictObject({
      path: z.string().min(1).describe('File path relative to the workspace root'),
      content: z.string(),
      encoding: z.enum(['utf8', 'base64']).default('utf8'),
      mode: z.enum(['overwrite', 'append', 'create']).default('overwrite'),
      createDirs: z.boolean().default(true),
    }),
    output: z.object({ path: z.string(), bytes: z.number() }),
    async run(input, ctx) {
      throwIfAborted('fs.write', ctx.signal);
      const data = Buffer.from(input.content, input.encoding);
      if (data.length > cap) {
        throw new ActionLimitError('fs.write', cap, `content is ${data.length} bytes, over the ${cap}-byte write cap`);
      }
      const where = await resolveInWorkspace('fs.write', ctx.workspace, input.path);
      if (where.relative === '.') throw new ActionInputError('fs.write', 'path', 'is the workspace root, not a file');
      if (input.createDirs) await mkdir(path.dirname(where.absolute), { recursive: true });
      throwIfAborted('fs.write', ctx.signal);
      const flags = MODE_FLAGS[input.mode] | (constants.O_NOFOLLOW ?? 0);
      let fh;
      try {
        fh = await open(where.absolute, flags, 0o644);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EEXIST') throw new ActionInputError('fs.write', 'path', `'${input.path}' exists (mode "create")`);
        if (code === 'EISDIR') throw new ActionInputError('fs.write', 'path', `'${input.path}' is a directory`);
        if (code === 'ENOENT') throw new ActionInputError('fs.write', 'path', `parent directory of '${input.path}' does not exist`);
        if (code === 'ELOOP') throw new ActionInputError('fs.write', 'path', `'${input.path}' is a symlink`);
        throw err;
      }
      try {
        await fh.writeFile(data);
      } finally {
        await fh.close();
      }
      return { path: where.relative, bytes: data.length };
    },
  });
}
