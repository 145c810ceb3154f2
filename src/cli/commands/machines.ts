/**
 * `orchestral machines --json`: the thread, interaction and step machines as configs (what
 * `createMachine` takes: `initial` a state name, guards and actions by name; see
 * `machineExports` of the main entry), one object keyed by machine id, for Stately Studio.
 */
import type { Command } from 'commander';
import { machineExports } from '../../index.ts';
import type { ContextHolder } from '../context.ts';

/** The configs, keyed `thread`, `interaction`, `step`. */
export function machineDefinitions(): Record<string, unknown> {
  const m = machineExports();
  return { thread: m.thread.config, interaction: m.interaction.config, step: m.step.config };
}

/** The `machines` command. */
export async function machinesCommand(holder: ContextHolder, cmd: Command): Promise<number> {
  holder.get(cmd).io.out(JSON.stringify(machineDefinitions(), null, 2));
  return 0;
}
