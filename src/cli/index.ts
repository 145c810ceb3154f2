/**
 * `orchestral/cli`: the command line as a function. `run(argv)` runs one command (the arguments
 * after `orchestral`, e.g. `['threads', '--json']`) and resolves with its exit code (see `EXIT`);
 * importing this entry runs nothing.
 */
export { run } from './main.ts';
export { processIo } from './io.ts';
export type { CliIo, LiveStream, Colors } from './io.ts';
export { EXIT } from './exit-codes.ts';
