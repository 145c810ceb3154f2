/**
 * Runs the CLI inside the test process: `run(argv, io)` of src/cli/main.ts, the function the
 * executable (src/cli/bin.ts) calls, with an io that collects stdout and stderr. For commands that
 * end with an error before they open a store or run anything (usage errors, bad environment values,
 * a missing store), the exit code and the stderr line come from `run` itself, so this tests the same
 * thing as a spawned CLI for about a tenth of its CPU (no process start, no module loading after the
 * first call). What only a process shows (signals, a crash of the process, output written around
 * `io`) stays with the spawning helpers of helpers.ts.
 *
 * The working directory and the environment are the process's: calls are serialized, and each sets
 * them (`cwd`, the variables the spawning helpers set, then `env`) for its own duration and restores
 * them after.
 */
import pc from 'picocolors';
import type { CliIo } from '../../src/cli/io.ts';
import { ROOT, type CliOptions, type CliResult } from './helpers.ts';

let queue: Promise<unknown> = Promise.resolve();

/**
 * Runs the CLI with `args` in this process, after the calls started before it have ended.
 * @returns its exit code and what it printed (`signal` is always null).
 */
export function cliInProcess(args: readonly string[], o: CliOptions = {}): Promise<CliResult> {
  const result = queue.then(() => runOnce(args, o));
  queue = result.catch(() => undefined);
  return result;
}

async function runOnce(args: readonly string[], o: CliOptions): Promise<CliResult> {
  const { run } = await import('../../src/cli/main.ts');
  const env: Record<string, string | undefined> = { NO_COLOR: '1', OPENAI_API_KEY: '', OPENAI_BASE_URL: '', ORCHESTRAL_STORE: '', ...o.env };
  const saved = Object.keys(env).map((k) => [k, process.env[k]] as const);
  const cwd = process.cwd();
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    out: (line) => void (stdout += `${line}\n`),
    err: (line) => void (stderr += `${line}\n`),
    write: (text) => void (stdout += text),
    liveStream: { write: (text: string) => void (stdout += text) },
    stdoutTTY: false,
    interactive: false,
    color: pc.createColors(false),
  };
  const setEnv = (k: string, v: string | undefined): void => {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  };
  try {
    for (const [k, v] of Object.entries(env)) setEnv(k, v);
    process.chdir(o.cwd ?? ROOT);
    const code = await run(args, io);
    return { code, signal: null, stdout, stderr };
  } finally {
    process.chdir(cwd);
    for (const [k, v] of saved) setEnv(k, v);
  }
}
