/**
 * `orchestral machines --json`: the thread, interaction and task machines as configs (what
 * `createMachine` takes: `initial` a state name, guards and actions by name; see
 * src/runtime/machine-config.ts), one object keyed by machine id, for Stately Studio.
 */
import type { Command } from 'commander';
import { interactionMachine } from '../../../machines/interaction.machine.ts';
import { taskMachine } from '../../../machines/task.machine.ts';
import { threadMachine } from '../../../machines/thread.machine.ts';
import { exportMachine } from '../../runtime/machine-config.ts';
import type { ContextHolder } from '../context.ts';

/** The configs, keyed `thread`, `interaction`, `task`. */
export function machineDefinitions(): Record<string, unknown> {
  return { thread: exportMachine(threadMachine).config, interaction: exportMachine(interactionMachine).config, task: exportMachine(taskMachine).config };
}

/** The `machines` command. */
export async function machinesCommand(holder: ContextHolder, cmd: Command): Promise<number> {
  holder.get(cmd).io.out(JSON.stringify(machineDefinitions(), null, 2));
  return 0;
}
