/**
 * The JSON lines `orchestral threads --json` prints, kept as a read model beside the `threads`
 * projection's row (projection store row `threads.json-lines`): every listing's line, most recently
 * active first, as of the log position it was rendered at. When the log holds nothing after that
 * position, a call prints the stored lines as they are: it parses no projection state, sorts nothing
 * and serialises no listing, which is most of what the command otherwise costs on a large store.
 * Otherwise it catches the `threads` projection up (`listStoredThreads`), renders the lines and saves
 * them with the projection's position.
 *
 * The row is derived data: a row of another projection version or line format, or one that does not
 * have the expected shape, is ignored and rewritten; it never changes what is printed.
 */
import type { EventStore, LeaseHolder, ProjectionStore } from '../index.ts';
import { isProjectionStoreError, threadsProjection, type ThreadListing } from '../read.ts';
import { toJsonLine } from './json.ts';
import { holderJson } from './owners.ts';

/** Name of the projection store row holding the rendered lines. */
export const THREADS_LINES_ROW = 'threads.json-lines';

/** Version of the line layout below; stored in the row, a row of another layout is rebuilt. */
const LINES_FORMAT = 1;

/** Every line ends with this text: the listing's keys, then `owner` (null until a lease says otherwise). */
const NO_OWNER = '"owner":null}';

/** The row's state: thread ids and their lines, in the same (listing) order. */
interface LinesState {
  format: typeof LINES_FORMAT;
  ids: string[];
  lines: string[];
}

/** One listing as its output line: the listing's JSON with `"owner":null` as its last key. */
function listingLine(t: ThreadListing): string {
  const listing = toJsonLine(t);
  return `${listing.slice(0, -1)}${listing.length > 2 ? ',' : ''}${NO_OWNER}`;
}

/** `line` with its owner set to `owner`'s JSON (see `holderJson`). */
function withOwner(line: string, owner: LeaseHolder): string {
  return `${line.slice(0, -NO_OWNER.length)}"owner":${toJsonLine(holderJson(owner))}}`;
}

function isLinesState(s: unknown): s is LinesState {
  if (typeof s !== 'object' || s === null) return false;
  const { format, ids, lines } = s as Partial<LinesState>;
  return format === LINES_FORMAT && Array.isArray(ids) && Array.isArray(lines) && ids.length === lines.length;
}

/**
 * The stored lines when the log at `store` has nothing after their position; `undefined` when there
 * is no usable row (missing, unreadable, another projection version or line format) or it is behind.
 */
async function freshLines(store: EventStore, rows: ProjectionStore): Promise<LinesState | undefined> {
  let row;
  try {
    row = await rows.load(THREADS_LINES_ROW);
  } catch (err) {
    if (isProjectionStoreError(err)) return undefined;
    throw err;
  }
  if (row === undefined || row.version !== threadsProjection.version || !isLinesState(row.state)) return undefined;
  for await (const _ of store.readAll({ fromPosition: row.position, maxCount: 1 })) return undefined;
  return row.state;
}

/**
 * Every thread's `--json` line, most recently active first, each with its owner (`owners`, by thread
 * id; `"owner":null` when absent): from the stored lines when they are current, else rendered from
 * `listings()` (which must catch the `threads` projection up and report its position) and saved.
 * A save that fails (a read-only store) is not an error: the next call renders again.
 * @throws what `listings` throws; ProjectionStoreError from `rows` other than on load or save.
 */
export async function threadLines(
  store: EventStore,
  rows: ProjectionStore,
  owners: ReadonlyMap<string, LeaseHolder>,
  listings: () => Promise<{ threads: ThreadListing[]; position: bigint }>,
): Promise<string[]> {
  let state = await freshLines(store, rows);
  if (state === undefined) {
    const { threads, position } = await listings();
    state = { format: LINES_FORMAT, ids: threads.map((t) => t.threadId), lines: threads.map(listingLine) };
    try {
      await rows.save({ name: THREADS_LINES_ROW, version: threadsProjection.version, position, state });
    } catch (err) {
      if (!isProjectionStoreError(err)) throw err;
    }
  }
  const { ids, lines } = state;
  if (owners.size === 0) return lines;
  return lines.map((line, i) => {
    const owner = owners.get(ids[i] as string);
    return owner ? withOwner(line, owner) : line;
  });
}
