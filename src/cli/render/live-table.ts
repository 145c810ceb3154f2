/**
 * A block of lines redrawn in place on a terminal (the live step table), with log-update: each frame
 * is wrapped at the stream's current width (string-width aware), and the previous frame is erased by
 * the physical rows it took, so a line wider than the terminal leaves no stale rows behind. Frames
 * taller than the terminal keep their last `rows` rows.
 */
import { createLogUpdate } from 'log-update';
import type { LiveStream } from '../io.ts';

/** A live block on one stream. */
export interface LiveBlock {
  /** Replaces the block with `lines` (no trailing newline needed). */
  draw(lines: readonly string[]): void;
  /** Leaves the last frame on screen and shows the cursor again; later output goes below it. */
  done(): void;
}

/**
 * A live block on `stream`. `showCursor` false hides the cursor between frames (restored by `done`
 * and on process exit).
 */
export function createLiveBlock(stream: LiveStream, options: { showCursor?: boolean } = {}): LiveBlock {
  // A terminal that reports no size (0 × 0, e.g. a pty nobody sized) is taken as 80 × 24.
  const sized = {
    write: (text: string) => stream.write(text),
    get columns() {
      return stream.columns || 80;
    },
    get rows() {
      return stream.rows || 24;
    },
    isTTY: stream.isTTY,
  };
  const update = createLogUpdate(sized as unknown as NodeJS.WritableStream, { showCursor: options.showCursor ?? false });
  return {
    draw: (lines) => update(lines.join('\n')),
    done: () => update.done(),
  };
}
