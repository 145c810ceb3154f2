/** The `--workspace` directory: where actions read and write (file and shell actions are confined to it). */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UsageError } from './cli-errors.ts';

/**
 * Resolves `--workspace` (default: the working directory) to an absolute directory.
 * @throws UsageError when it is not an existing directory.
 */
export async function resolveWorkspace(dir: string | undefined): Promise<string> {
  const abs = resolve(dir ?? process.cwd());
  const s = await stat(abs).catch(() => undefined);
  if (!s?.isDirectory()) throw new UsageError(`--workspace: '${dir ?? abs}' is not a directory`);
  return abs;
}
