/**
 * The rxjs names the engine's runtime, projections and stores use, each imported from its own module
 * of rxjs (`rxjs/internal/*`, a subpath of rxjs's package exports) rather than from the `rxjs` index,
 * which loads every one of the library's ~220 modules (operators, schedulers, ajax…); these need ~36.
 *
 * Under Node both resolve to rxjs's CommonJS build, and the index re-exports these very modules, so
 * an `Observable` or `Subject` from here is the class `import … from 'rxjs'` gives elsewhere in the
 * process (user code, the server, the KurrentDB adapter).
 */
export { Observable } from 'rxjs/internal/Observable';
export { Subscription } from 'rxjs/internal/Subscription';
export { Subject } from 'rxjs/internal/Subject';
export { BehaviorSubject } from 'rxjs/internal/BehaviorSubject';
export { defer } from 'rxjs/internal/observable/defer';
export { throwError } from 'rxjs/internal/observable/throwError';
export { filter } from 'rxjs/internal/operators/filter';
export { finalize } from 'rxjs/internal/operators/finalize';
export { map } from 'rxjs/internal/operators/map';
export { takeUntil } from 'rxjs/internal/operators/takeUntil';
