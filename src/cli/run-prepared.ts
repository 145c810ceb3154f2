/** What `run` prepares before it opens a thread: the planner, its recorded descriptor and the first input. */
import type { Planner } from '../index.ts';
import type { PlannerDescriptor } from './planner-descriptor.ts';

/** What `run` starts with; no `input` opens an idle thread (routes: events come with `emit`). */
export interface Prepared {
  descriptor: PlannerDescriptor;
  planner: Planner;
  input?: string;
  title?: string;
  modules: string[];
}
