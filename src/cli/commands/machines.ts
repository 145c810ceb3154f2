/**
 * `orchestral machines --json`: the thread, interaction and step machine definitions as JSON
 * (`machine.toJSON()`, the format Stately Studio imports), one object keyed by machine id.
 */
import type { Command } from 'commander';
import { interactionMachine } from '../../../machines/interaction.machine.ts';
import { stepMachine } from '../../../machines/step.machine.ts';
import { threadMachine } from '../../../machines/thread.machine.ts';
import type { ContextHolder } from '../context.ts';

/** The definitions, keyed `thread`, `interaction`, `step`. */
export function machineDefinitions(): Record<string, unknown> {
  return { thread: threadMachine.toJSON(), interaction: interactionMachine.toJSON(), step: stepMachine.toJSON() };
}

/** The `machines` command. */
export async function machinesCommand(holder: ContextHolder, cmd: Command): Promise<number> {
  holder.get(cmd).io.out(JSON.stringify(machineDefinitions(), null, 2));
  return 0;
}
