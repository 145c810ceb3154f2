/**
 * The environment variables the CLI reads (`ORCHESTRAL_*`), each parsed by one helper: unset or
 * empty means "not given"; any other value that does not parse is a UsageError (exit 64) naming the
 * variable, what it expects and what it got, before anything is opened or run.
 *
 * | variable | holds |
 * | --- | --- |
 * | `ORCHESTRAL_STORE` | the default `--store` URL |
 * | `ORCHESTRAL_LOCK_TIMEOUT_MS` | how long a SQLite store waits for another process's lock, ms (default 5000) |
 * | `ORCHESTRAL_MODEL` | the OpenAI model of `run --intent` and `llm.complete` (default `gpt-4.1-mini`) |
 * | `ORCHESTRAL_HTTP_ALLOW` | hosts `http.request` may call, comma-separated |
 * | `ORCHESTRAL_PLANNER_TIMEOUT_MS`, `ORCHESTRAL_PLANNER_RETRIES` | LLM request timeout and retries (parsed in planner-settings.ts) |
 * | `ORCHESTRAL_FS_WRITE_ALLOW` | workspace paths/globs a model-planned `fs.write` may write without approval |
 * | `ORCHESTRAL_FAULT` | tests only: a kill point, `kill:<point>[:<n>]` (src/core/fault-points.ts) |
 *
 * `checkEnvironment` runs every reader before any command, so a bad value is reported even by a
 * command that would not have read it.
 */
import path from 'node:path';
import { FAULT_POINTS, parseFaultSpec, type FaultSpec } from '../base.ts';
import { parseStoreUrl } from '../base.ts';
import { UsageError } from './cli-errors.ts';
import { llmRequestSettings } from './planner-settings.ts';

/**
 * Reads `name` from `env` and parses it.
 * @param expected what a valid value looks like, for the error (`a number of ms (an integer ≥ 0)`).
 * @param parse the value, or undefined when `raw` is not valid.
 * @returns undefined when the variable is unset or empty.
 * @throws UsageError `NAME: expected <expected>, got '<raw>'`.
 */
export function readEnv<T>(name: string, expected: string, parse: (raw: string) => T | undefined, env: NodeJS.ProcessEnv = process.env): T | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = parse(raw);
  if (value === undefined) throw new UsageError(`${name}: expected ${expected}, got '${raw}'`);
  return value;
}

/** `ORCHESTRAL_LOCK_TIMEOUT_MS`: an integer number of ms, 0 to 2^31-1. @throws UsageError otherwise. */
export function envLockTimeoutMs(env: NodeJS.ProcessEnv = process.env): number | undefined {
  return readEnv('ORCHESTRAL_LOCK_TIMEOUT_MS', 'a number of ms (an integer from 0 to 2147483647)', (raw) => {
    const n = Number(raw);
    return /^\d{1,10}$/.test(raw) && n <= 2 ** 31 - 1 ? n : undefined;
  }, env);
}

/** `ORCHESTRAL_MODEL`: a model name, 1–200 printable characters without spaces. @throws UsageError otherwise. */
export function envModel(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return readEnv('ORCHESTRAL_MODEL', 'a model name (printable characters, no spaces)', (raw) => (/^[\x21-\x7e]{1,200}$/.test(raw) ? raw : undefined), env);
}

const HOST_ENTRY = /^(?:(?:\*\.)?[a-z0-9_-]+(?:\.[a-z0-9_-]+)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

/**
 * `ORCHESTRAL_HTTP_ALLOW`: comma-separated host entries (`example.com`, `api.example.com:8443`,
 * `*.example.org`, `[::1]:8080`; spaces around commas allowed). @throws UsageError for an entry
 * that is not one (a URL, a path, a bare `*`).
 */
export function envHttpAllow(env: NodeJS.ProcessEnv = process.env): string[] | undefined {
  return readEnv('ORCHESTRAL_HTTP_ALLOW', 'comma-separated hosts such as example.com,api.example.com:8443,*.example.org', (raw) => {
    const hosts = raw.split(',').map((h) => h.trim()).filter((h) => h !== '');
    return hosts.every((h) => HOST_ENTRY.test(h)) ? hosts : undefined;
  }, env);
}

/**
 * `ORCHESTRAL_FS_WRITE_ALLOW`: comma-separated paths or globs relative to the workspace (`out/`,
 * `docs/*.md`). @throws UsageError for an absolute entry or one leaving the workspace (`../x`),
 * which could never match a write.
 */
export function envFsWriteAllow(env: NodeJS.ProcessEnv = process.env): string[] | undefined {
  return readEnv('ORCHESTRAL_FS_WRITE_ALLOW', 'comma-separated paths or globs relative to the workspace, such as out/,docs/*.md', (raw) => {
    const entries = raw.split(',').map((e) => e.trim()).filter((e) => e !== '');
    const inside = (e: string): boolean => {
      if (e.includes('\0') || path.posix.isAbsolute(e) || path.win32.isAbsolute(e)) return false;
      const n = path.posix.normalize(e);
      return n !== '..' && !n.startsWith('../');
    };
    return entries.every(inside) ? entries : undefined;
  }, env);
}

/** `ORCHESTRAL_FAULT` (tests): `kill:<point>[:<n>]` with a known point. @throws UsageError otherwise. */
export function envFaultSpec(env: NodeJS.ProcessEnv = process.env): FaultSpec | undefined {
  return readEnv('ORCHESTRAL_FAULT', `kill:<point>[:<n>] with a point among ${FAULT_POINTS.join(', ')}, appended.<FactType>`, (raw) => {
    try {
      return parseFaultSpec(raw);
    } catch {
      return undefined;
    }
  }, env);
}

/**
 * Checks every `ORCHESTRAL_*` variable the CLI reads (the table in the module doc).
 * @throws UsageError for the first one set to a value that does not parse.
 */
export function checkEnvironment(env: NodeJS.ProcessEnv = process.env): void {
  envStoreUrl(env);
  envLockTimeoutMs(env);
  envModel(env);
  envHttpAllow(env);
  envFsWriteAllow(env);
  envFaultSpec(env);
  llmRequestSettings({}, env);
}

/** `ORCHESTRAL_STORE`: a store URL `parseStoreUrl` accepts. @throws UsageError otherwise. */
export function envStoreUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return readEnv('ORCHESTRAL_STORE', "a store URL ('memory:', 'sqlite:PATH', 'postgres://user:pass@host:port/db')", (raw) => {
    try {
      parseStoreUrl(raw);
      return raw;
    } catch {
      return undefined;
    }
  }, env);
}
