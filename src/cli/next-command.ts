/** The exact command lines the CLI tells the user to type next (e.g. to approve a paused step). */
import { DEFAULT_STORE_URL } from '../base.ts';

/** Quotes one argument for a POSIX shell when needed. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_.,:/@%+=-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** `npx orchestral <args…> [--store URL]` (the store only when it is not the default). */
export function nextCommand(args: readonly string[], storeUrl: string): string {
  const all = [...args, ...(storeUrl !== DEFAULT_STORE_URL ? ['--store', storeUrl] : [])];
  return `npx orchestral ${all.map(shellQuote).join(' ')}`;
}
