/**
 * rxjs, loaded on first use. A command that opens a store and only reads it (`orchestral threads`,
 * `show`, `events`) never builds an Observable, and loading rxjs costs more than the rest of such
 * a command's start-up; the store adapters therefore reach rxjs through `rx()` when they first
 * build a subscription or a signal.
 *
 * `rx()` requires the few rxjs modules the adapters use (`rxjs/internal/*`, as `src/core/rxjs.ts`
 * imports them), not the `rxjs` index, which loads the whole library. Under Node, rxjs's package
 * exports name its CommonJS build for both `import` and `require` (the `node` condition comes
 * first), so these are the very modules a static `import … from 'rxjs'` elsewhere in the process
 * gets (the index re-exports them): one `Observable` class, one `Subject` class.
 */
import { createRequire } from 'node:module';
import type { defer, Observable, Subject, Subscription, throwError } from 'rxjs';

/** The rxjs names the store adapters use. */
export interface Rx {
  Observable: typeof Observable;
  Subscription: typeof Subscription;
  Subject: typeof Subject;
  defer: typeof defer;
  throwError: typeof throwError;
}

let loaded: Rx | undefined;

/**
 * The rxjs names of `Rx` (loaded synchronously by the first call, then cached).
 * @throws Error (MODULE_NOT_FOUND) when rxjs is not installed.
 */
export function rx(): Rx {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  return (loaded = {
    Observable: (require('rxjs/internal/Observable') as Pick<Rx, 'Observable'>).Observable,
    Subscription: (require('rxjs/internal/Subscription') as Pick<Rx, 'Subscription'>).Subscription,
    Subject: (require('rxjs/internal/Subject') as Pick<Rx, 'Subject'>).Subject,
    defer: (require('rxjs/internal/observable/defer') as Pick<Rx, 'defer'>).defer,
    throwError: (require('rxjs/internal/observable/throwError') as Pick<Rx, 'throwError'>).throwError,
  });
}
