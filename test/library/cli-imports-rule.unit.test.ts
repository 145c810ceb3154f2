/**
 * The lint rule that keeps the CLI on the package's entry points: a deep import of a store adapter,
 * a machine, a history or runtime internal or @statelyai/inspect from src/cli fails lint (and so `npm test`);
 * the public entries pass.
 */
import { resolve } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const eslint = new ESLint({ cwd: ROOT });

const restricted = async (source: string): Promise<string[]> => {
  const [result] = await eslint.lintText(source, { filePath: resolve(ROOT, 'src/cli/commands/example.ts') });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
};

describe('src/cli imports only public entry points', () => {
  it.each([
    "import { getSqliteEventStore } from '../../store/sqlite/sqlite-event-store.ts';\nexport const x = getSqliteEventStore;\n",
    "import { stepMachine } from '../../../machines/step.machine.ts';\nexport const x = stepMachine;\n",
    "import { nextSnapshot } from '../../history/fold/xstate-adapter.ts';\nexport const x = nextSnapshot;\n",
    "import { createWebSocketInspector } from '@statelyai/inspect';\nexport const x = createWebSocketInspector;\n",
    "import { checkReplay } from '../../testing/check-replay.ts';\nexport const x = checkReplay;\n",
    "import { foldHistory } from '../../history/replay.ts';\nexport const x = foldHistory;\n",
  ])('refuses %s', async (source) => {
    expect(await restricted(source)).toHaveLength(1);
  });

  it('accepts the entries', async () => {
    const source =
      "import { createRuntime } from '../../index.ts';\nimport { getSqliteEventStore } from '../../stores/sqlite.ts';\nimport { inspectThread } from '../../inspect/index.ts';\nimport { foldHistory } from '../../history.ts';\nexport const x = [createRuntime, getSqliteEventStore, inspectThread, foldHistory];\n";
    expect(await restricted(source)).toEqual([]);
  });
});
