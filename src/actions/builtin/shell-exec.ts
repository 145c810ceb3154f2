/**
 * `shell.exec`: runs a program from an argv array (never a shell string: `spawn` with `shell: false`)
 * in a directory inside the workspace, with a timeout and an output cap; the whole process group is
 * killed (SIGKILL) on abort, timeout or (unless truncating) output overflow. Requires approval by default.
 */
import { spawn } from 'node:child_process';
import { z } from 'zod';
import { defineAction } from '../action.ts';
import { ActionAbortedError, ActionError, ActionInputError, ActionLimitError, ActionTimeoutError } from '../errors.ts';
import { throwIfAborted } from './abort.ts';
import { resolveInWorkspace } from './workspace.ts';
import { stat } from 'node:fs/promises';

export const DEFAULT_SHELL_TIMEOUT_MS = 60_000;
export const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;

/** Options of the `shell.exec` built-in. */
export interface ShellExecOptions {
  /** Default and largest timeout, ms. Default 60 s. */
  timeoutMs?: number;
  /** Cap on each of stdout and stderr, bytes. Default 1 MiB. */
  maxOutputBytes?: number;
  /** Ask a human before every run. Default true. */
  requiresApproval?: boolean;
  /** Pass this process's whole environment to the child. Default false: only PATH, HOME, LANG, TZ (keeps secrets out). */
  inheritEnv?: boolean;
}

const SAFE_ENV_KEYS = ['PATH', 'HOME', 'LANG', 'TZ'];

/**
 * Creates `shell.exec`. Input `{ argv: [program, ...args], cwd = '.', env?, stdin?, timeoutMs?,
 * maxOutputBytes?, allowNonZeroExit = false, truncateOutput = false }`; output `{ exitCode, signal,
 * stdout, stderr, truncated }` (stdout/stderr decoded as UTF-8).
 * Errors: ActionInputError (program not found, cwd not a directory), WorkspaceViolationError (cwd
 * outside), ActionLimitError (stdout or stderr over the cap without `truncateOutput`), ActionTimeoutError,
 * ActionAbortedError, ActionError `ACTION_FAILED` (retryable) for a non-zero exit or a signal unless
 * `allowNonZeroExit`.
 */
export function shellExecAction(options: ShellExecOptions = {}) {
  const maxTimeout = options.timeoutMs ?? DEFAULT_SHELL_TIMEOUT_MS;
  const maxOut = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  return defineAction({
    name: 'shell.exec',
    description: 'Runs a program with arguments (argv array, no shell) in a workspace directory; returns exit code, stdout, stderr.',
    requiresApproval: options.requiresApproval ?? true,
    input: z.strictObject({
      argv: z.array(z.string().refine((s) => !s.includes('\0'), 'contains a NUL byte')).min(1).describe('Program then its arguments'),
      cwd: z.string().min(1).default('.').describe('Working directory relative to the workspace root'),
      env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'invalid variable name'), z.string()).optional(),
      stdin: z.string().optional(),
      timeoutMs: z.number().int().positive().optional(),
      maxOutputBytes: z.number().int().positive().optional(),
      allowNonZeroExit: z.boolean().default(false),
      truncateOutput: z.boolean().default(false),
    }),
    output: z.object({
      exitCode: z.number().nullable(),
      signal: z.string().nullable(),
      stdout: z.string(),
      stderr: z.string(),
      truncated: z.boolean(),
    }),
    async run(input, ctx) {
      throwIfAborted('shell.exec', ctx.signal);
      const cwd = await resolveInWorkspace('shell.exec', ctx.workspace, input.cwd);
      if (!cwd.exists || !(await stat(cwd.absolute)).isDirectory()) {
        throw new ActionInputError('shell.exec', 'cwd', `'${input.cwd}' is not a directory`);
      }
      const timeoutMs = Math.min(maxTimeout, input.timeoutMs ?? maxTimeout);
      const cap = Math.min(maxOut, input.maxOutputBytes ?? maxOut);
      const baseEnv: Record<string, string> = {};
      for (const [k, v] of Object.entries(process.env)) {
        if (v !== undefined && (options.inheritEnv || SAFE_ENV_KEYS.includes(k))) baseEnv[k] = v;
      }
      const [program = '', ...args] = input.argv;
      throwIfAborted('shell.exec', ctx.signal);
      const child = spawn(program, args, {
        cwd: cwd.absolute,
        env: { ...baseEnv, ...input.env },
        shell: false,
        detached: true, // own process group, so a kill reaches grandchildren too
        stdio: ['pipe', 'pipe', 'pipe'],
        windowsHide: true,
      });

      return await new Promise((resolve, reject) => {
        const out = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
        const size = { stdout: 0, stderr: 0 };
        let truncated = false;
        let failure: Error | undefined;
        let settled = false;

        const killGroup = () => {
          try {
            if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
          } catch {
            child.kill('SIGKILL');
          }
        };
        const stop = (err: Error) => {
          if (failure) return;
          failure = err;
          killGroup();
        };
        const onAbort = () => stop(new ActionAbortedError('shell.exec', ctx.signal.reason));
        ctx.signal.addEventListener('abort', onAbort, { once: true });
        const timer = setTimeout(() => stop(new ActionTimeoutError('shell.exec', timeoutMs)), timeoutMs);
        const finish = (fn: () => void) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          ctx.signal.removeEventListener('abort', onAbort);
          fn();
        };

        const collect = (name: 'stdout' | 'stderr') => (chunk: Buffer) => {
          const room = cap - size[name];
          if (chunk.length > room) {
            if (!input.truncateOutput) {
              stop(new ActionLimitError('shell.exec', cap, `${name} exceeded the ${cap}-byte output cap`));
              return;
            }
            truncated = true;
            if (room > 0) out[name].push(chunk.subarray(0, room));
            size[name] = cap;
            return;
          }
          out[name].push(chunk);
          size[name] += chunk.length;
        };
        child.stdout.on('data', collect('stdout'));
        child.stderr.on('data', collect('stderr'));
        child.stdin.on('error', () => undefined); // EPIPE when the program does not read stdin
        child.stdin.end(input.stdin ?? '');

        child.on('error', (err: NodeJS.ErrnoException) => {
          finish(() =>
            reject(
              err.code === 'ENOENT'
                ? new ActionInputError('shell.exec', 'argv[0]', `program '${program}' not found`)
                : err.code === 'EACCES'
                  ? new ActionInputError('shell.exec', 'argv[0]', `program '${program}' is not executable`)
                  : new ActionError(`shell.exec: cannot start '${program}': ${err.message}`, { cause: err }),
            ),
          );
        });
        // 'exit' (not 'close'): a killed group's leftover pipe holders must not delay the answer.
        child.on('exit', (code, signal) => {
          const settle = () =>
            finish(() => {
              if (failure) return reject(failure);
              const stdout = Buffer.concat(out.stdout).toString('utf8');
              const stderr = Buffer.concat(out.stderr).toString('utf8');
              if (!input.allowNonZeroExit && code !== 0) {
                const how = code === null ? `was killed by ${signal}` : `exited with code ${code}`;
                const tail = stderr.slice(-500).trim();
                return reject(new ActionError(`shell.exec: '${program}' ${how}${tail ? `: ${tail}` : ''}`, { retryable: true }));
              }
              resolve({ exitCode: code, signal, stdout, stderr, truncated });
            });
          if (failure) settle();
          else if (child.stdout.readableEnded && child.stderr.readableEnded) settle();
          else child.on('close', settle); // drain the pipes of a normal exit
        });
      });
    },
  });
}
