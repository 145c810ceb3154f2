/**
 * rxjs, loaded on first use. A command that opens a store and only reads it (`orchestral threads`,
 * `show`, `events`) never builds an Observable, and loading rxjs costs more than the rest of such
 * a command's start-up; the store adapters therefore reach rxjs through `rx()` when they first
 * build a subscription or a signal.
 *
 * Under Node, rxjs's package exports name its CommonJS build for both `import` and `require`
 * (the `node` condition comes first), so `rx()` returns the very module a static `import … from
 * 'rxjs'` elsewhere in the process gets: one `Observable` class, one `Subject` class.
 */
import { createRequire } from 'node:module';
import type * as Rx from 'rxjs';

let loaded: typeof Rx | undefined;

/**
 * The rxjs module (loaded synchronously by the first call, then cached).
 * @returns the module namespace of `rxjs`.
 * @throws Error (MODULE_NOT_FOUND) when rxjs is not installed.
 */
export function rx(): typeof Rx {
  return (loaded ??= createRequire(import.meta.url)('rxjs') as typeof Rx);
}
