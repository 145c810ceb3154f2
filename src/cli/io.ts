/**
 * Where a command writes: stdout lines, stderr lines, and whether the terminal is interactive.
 * Commands take a `CliIo` so tests (and `--json`) can tell them apart from the process.
 */
import pc from 'picocolors';

/** picocolors' colour functions. */
export type Colors = ReturnType<typeof pc.createColors>;

/** The terminal stream the live step table redraws on (log-update reads `columns`/`rows` at each draw). */
export interface LiveStream {
  write(text: string): unknown;
  /** Width in columns (undefined off a terminal). */
  readonly columns?: number;
  /** Height in rows. */
  readonly rows?: number;
  readonly isTTY?: boolean;
}

/** Output channels of a command. */
export interface CliIo {
  /** One line (no trailing newline) to stdout. */
  out(line: string): void;
  /** One line to stderr. */
  err(line: string): void;
  /** Raw text to stdout (commander's help and version). */
  write(text: string): void;
  /** stdout as a stream, for the live step table's in-place redraws. */
  readonly liveStream: LiveStream;
  /** stdout is a terminal: live redraws and colours. */
  readonly stdoutTTY: boolean;
  /** stdin and stdout are terminals: the CLI may ask questions (approvals). */
  readonly interactive: boolean;
  /** picocolors, disabled when stdout is not a terminal (or NO_COLOR is set). */
  readonly color: Colors;
}

/** The process's io. A closed stdout (`orchestral show … | head`) ends the command quietly. */
export function processIo(): CliIo {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  const stdoutTTY = process.stdout.isTTY === true;
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    write: (text) => process.stdout.write(text),
    liveStream: process.stdout,
    stdoutTTY,
    interactive: stdoutTTY && process.stdin.isTTY === true,
    color: pc.createColors(stdoutTTY && !process.env['NO_COLOR']),
  };
}
