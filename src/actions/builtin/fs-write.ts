/** `fs.write`: writes (overwrites, appends to, or creates) a file inside the workspace. */
import { constants } from 'node:fs';
import { z } from 'zod';
import { defineAction } from '../action.ts';
import { ActionInputError, ActionLimitError, WorkspaceViolationError } from '../errors.ts';
import { throwIfAborted } from './abort.ts';
import type { SandboxOptions } from './protected-paths.ts';
import { openFileIn, openParentOf } from './sandbox.ts';
import { writeApprovalReason } from './write-allow.ts';

/** Default largest content `fs.write` accepts, bytes (10 MiB). */
export const DEFAULT_MAX_WRITE_BYTES = 10 * 1024 * 1024;

/** Options of the `fs.write` built-in. */
export interface FsWriteOptions extends SandboxOptions {
  /** Largest content written, bytes (after decoding base64). Default 10 MiB. */
  maxWriteBytes?: number;
  /**
   * Ask a human before a write whose path matches none of `allowed` (patterns relative to the
   * workspace, see `write-allow.ts`; `[]` asks before every write). Default: never ask. The CLI
   * sets it for model-planned threads from `ORCHESTRAL_FS_WRITE_ALLOW`.
   */
  writeApproval?: { allowed: readonly string[] };
}

// Overwrite truncates only after the opened file is checked (regular, inside, single link).
const MODE_FLAGS = {
  overwrite: constants.O_WRONLY | constants.O_CREAT,
  append: constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND,
  create: constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL,
} as const;

/**
 * Creates `fs.write`: input `{ path, content, encoding: 'utf8' | 'base64' = 'utf8', mode: 'overwrite' |
 * 'append' | 'create' = 'overwrite', createDirs = true }` (`create` fails if the file exists), output
 * `{ path, bytes }`. Opened through the workspace sandbox (`sandbox.ts`): no symlink followed at any
 * component (missing parents are created one by one inside verified directories), protected paths
 * refused, non-regular files refused without blocking, and a file with several hard links refused
 * (writing it would change the other names too, which may lie outside the workspace).
 * With `writeApproval`, `approvalReason` asks a human before writes outside the allowed patterns.
 * Errors: WorkspaceViolationError, ActionInputError (target is a directory or not a regular file,
 * exists in `create` mode, parent missing with `createDirs: false`), ActionLimitError (content over
 * the cap), ActionAbortedError.
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
    ...(options.writeApproval ? { approvalReason: writeApprovalReason(options.writeApproval.allowed) } : {}),
    async run(input, ctx) {
      throwIfAborted('fs.write', ctx.signal);
      const data = Buffer.from(input.content, input.encoding);
      if (data.length > cap) {
        throw new ActionLimitError('fs.write', cap, `content is ${data.length} bytes, over the ${cap}-byte write cap`);
      }
      const where = await openParentOf('fs.write', ctx.workspace, input.path, { ...options, createDirs: input.createDirs });
      let fh;
      try {
        if (where.name === undefined) throw new ActionInputError('fs.write', 'path', 'is the workspace root, not a file');
        throwIfAborted('fs.write', ctx.signal);
        fh = await openFileIn('fs.write', input.path, where.dir, where.name, MODE_FLAGS[input.mode]);
      } finally {
        await where.dir.close();
      }
      try {
        const links = (await fh.stat()).nlink;
        if (links > 1) {
          throw new WorkspaceViolationError('fs.write', input.path, `the file has ${links} hard links; writing it would change the other links too`);
        }
        if (input.mode === 'overwrite') await fh.truncate(0);
        await fh.writeFile(data);
      } finally {
        await fh.close();
      }
      return { path: where.relative, bytes: data.length };
    },
  });
}
