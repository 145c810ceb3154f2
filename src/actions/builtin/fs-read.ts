/** `fs.read`: reads a regular file inside the workspace, up to a byte cap. */
import { constants } from 'node:fs';
import { z } from 'zod';
import { defineAction } from '../action.ts';
import { ActionError, ActionInputError, ActionLimitError } from '../errors.ts';
import { throwIfAborted } from './abort.ts';
import type { SandboxOptions } from './protected-paths.ts';
import { openFileIn, openParentOf } from './sandbox.ts';

/** Default largest file `fs.read` returns, bytes (1 MiB). */
export const DEFAULT_MAX_READ_BYTES = 1024 * 1024;

/** Options of the `fs.read` built-in. */
export interface FsReadOptions extends SandboxOptions {
  /** Largest file returned, bytes; a larger file fails with ActionLimitError. Default 1 MiB. */
  maxReadBytes?: number;
}

/**
 * Creates `fs.read`: input `{ path, encoding: 'utf8' | 'base64' = 'utf8', maxBytes? }` (path relative
 * to the workspace; `maxBytes` can only lower the configured cap), output `{ path, content, bytes, encoding }`.
 * Opened through the workspace sandbox (`sandbox.ts`): no symlink followed at any component,
 * protected paths refused, a FIFO or other non-regular file refused without blocking.
 * Errors: WorkspaceViolationError (path outside the root, a symlink, protected), ActionInputError
 * (missing or not a regular file), ActionLimitError (file larger than the cap), ActionAbortedError.
 */
export function fsReadAction(options: FsReadOptions = {}) {
  const cap = options.maxReadBytes ?? DEFAULT_MAX_READ_BYTES;
  return defineAction({
    name: 'fs.read',
    description: 'Reads a file inside the workspace (path relative to the workspace root) and returns its content.',
    input: z.strictObject({
      path: z.string().min(1).describe('File path relative to the workspace root'),
      encoding: z.enum(['utf8', 'base64']).default('utf8'),
      maxBytes: z.number().int().positive().optional().describe(`Fail if the file is larger (≤ ${cap})`),
    }),
    output: z.object({ path: z.string(), content: z.string(), bytes: z.number(), encoding: z.enum(['utf8', 'base64']) }),
    async run(input, ctx) {
      throwIfAborted('fs.read', ctx.signal);
      const limit = Math.min(cap, input.maxBytes ?? cap);
      const where = await openParentOf('fs.read', ctx.workspace, input.path, options);
      let fh;
      try {
        if (where.name === undefined) throw new ActionInputError('fs.read', 'path', `'${input.path}' is not a regular file (it is the workspace root)`);
        fh = await openFileIn('fs.read', input.path, where.dir, where.name, constants.O_RDONLY);
      } finally {
        await where.dir.close();
      }
      try {
        const st = await fh.stat();
        if (st.size > limit) {
          throw new ActionLimitError('fs.read', limit, `'${input.path}' is ${st.size} bytes, over the ${limit}-byte read cap`);
        }
        // Read at most limit+1 bytes: the file may have grown since stat.
        const buf = Buffer.alloc(Math.min(limit + 1, st.size + 1));
        let got = 0;
        for (;;) {
          throwIfAborted('fs.read', ctx.signal);
          const { bytesRead } = await fh.read(buf, got, buf.length - got, got);
          if (bytesRead === 0) break;
          got += bytesRead;
          if (got === buf.length) break;
        }
        if (got > limit) {
          throw new ActionLimitError('fs.read', limit, `'${input.path}' is over the ${limit}-byte read cap`);
        }
        if (got > st.size) throw new ActionError(`fs.read: '${input.path}' grew while being read`, { retryable: true });
        const data = buf.subarray(0, got);
        return { path: where.relative, content: data.toString(input.encoding), bytes: got, encoding: input.encoding };
      } finally {
        await fh.close();
      }
    },
  });
}
