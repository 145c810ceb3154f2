/**
 * The `orchestral` executable's module: runs the CLI with the process's arguments and exits with
 * its code. Leftover handles (a store's poll timer, a socket) do not keep a finished command alive:
 * the process exits at most 1 s after the command finished.
 */
import { run } from './main.ts';

const code = await run(process.argv.slice(2));
process.exitCode = code;
setTimeout(() => process.exit(code), 1000).unref();
