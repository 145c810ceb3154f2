/** Exit codes of the `orchestral` command (documented in README.md). */
export const EXIT = {
  /** The run completed (or the command succeeded). */
  ok: 0,
  /** The run failed, or the command failed (unknown thread, locked store, ...). */
  failed: 1,
  /** The run is paused: waiting for an approval or for input. */
  paused: 2,
  /** The input was rejected by the thread's concurrency policy. */
  rejected: 3,
  /** Usage error: bad arguments, malformed plan file, unparseable store URL (after BSD sysexits EX_USAGE). */
  usage: 64,
} as const;
