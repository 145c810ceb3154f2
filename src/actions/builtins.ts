/**
 * The built-in actions, configured in one place. Register them with
 * `createActionRegistry(builtinActions(options))`.
 */
import type { Action } from './action.ts';
import { echoAction } from './builtin/echo.ts';
import { sleepAction } from './builtin/sleep.ts';
import { fsReadAction, type FsReadOptions } from './builtin/fs-read.ts';
import { fsWriteAction, type FsWriteOptions } from './builtin/fs-write.ts';
import { fsListAction, type FsListOptions } from './builtin/fs-list.ts';
import { httpRequestAction, type HttpRequestOptions } from './builtin/http-request.ts';
import { shellExecAction, type ShellExecOptions } from './builtin/shell-exec.ts';
import { llmCompleteAction, type LlmCompleteOptions } from './builtin/llm-complete.ts';

/** Options of the built-ins (every field optional; see each action's module for defaults). */
export interface BuiltinActionOptions {
  fs?: FsReadOptions & FsWriteOptions & FsListOptions;
  /** `http.request`: the allowlist defaults to empty (every request refused). */
  http?: HttpRequestOptions;
  /** `shell.exec`: requires approval by default. */
  shell?: ShellExecOptions;
  /** `llm.complete` is included only when this is given (it needs a model and an endpoint). */
  llm?: LlmCompleteOptions;
  /** Leave some built-ins out by name (e.g. `['shell.exec']`). */
  exclude?: readonly string[];
}

/**
 * Returns the built-in actions: `echo`, `sleep`, `fs.read`, `fs.write`, `fs.list`, `http.request`,
 * `shell.exec`, and `llm.complete` when `options.llm` is set (minus `options.exclude`), as untyped
 * `Action`s ready for a registry. Creating them does no I/O (the LLM client is made on first use).
 */
export function builtinActions(options: BuiltinActionOptions = {}): Action[] {
  const all = [
    echoAction(),
    sleepAction(),
    fsReadAction(options.fs),
    fsWriteAction(options.fs),
    fsListAction(options.fs),
    httpRequestAction(options.http),
    shellExecAction(options.shell),
    ...(options.llm ? [llmCompleteAction(options.llm)] : []),
  ] as unknown as Action[];
  const exclude = new Set(options.exclude ?? []);
  return all.filter((a) => !exclude.has(a.name));
}
