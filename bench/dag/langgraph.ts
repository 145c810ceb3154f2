/**
 * The LangGraph.js peer of bench/dag: the same step shapes as a `StateGraph` of no-op nodes, run
 * with `SqliteSaver` on a file (its defaults: WAL journal, `durability: 'async'`, i.e. a superstep's
 * checkpoint is written while the next superstep runs, not awaited before it starts).
 * A step with no dependency hangs off START, a step nothing depends on goes to END, a step with
 * several dependencies is a join edge (`addEdge([deps], id)`: runs once all of them ran).
 */
import { join } from 'node:path';
import { SqliteSaver } from '@langchain/langgraph-checkpoint-sqlite';
import { Annotation, END, START, StateGraph } from '@langchain/langgraph';

/** One plan step: id and the ids it waits for. */
export type ShapeStep = { id: string; dependsOn: string[] };

const State = Annotation.Root({ n: Annotation<number>({ reducer: (a, b) => a + b, default: () => 0 }) });

/** What one LangGraph run measured: wall and CPU µs per node, and how the saver was set up. */
export type LangGraphRun = { nodes: number; usPerStep: number; cpuUsPerStep: number; totalMs: number; checkpoints: number; sqliteSynchronous: number };

/** Builds the graph of `steps`, runs it once on a fresh `SqliteSaver` file under `dir`, and times it. */
export async function runLangGraph(name: string, steps: readonly ShapeStep[], dir: string): Promise<LangGraphRun> {
  // The builder's node-name generics cannot follow ids built at run time.
  const g = new StateGraph(State) as unknown as StateGraph<typeof State.spec, typeof State.State, typeof State.Update, string>;
  const hasDependents = new Set(steps.flatMap((s) => s.dependsOn));
  for (const s of steps) g.addNode(s.id, () => ({}));
  for (const s of steps) {
    if (s.dependsOn.length === 0) g.addEdge(START, s.id);
    else if (s.dependsOn.length === 1) g.addEdge(s.dependsOn[0]!, s.id);
    else g.addEdge(s.dependsOn, s.id);
    if (!hasDependents.has(s.id)) g.addEdge(s.id, END);
  }
  const saver = SqliteSaver.fromConnString(join(dir, `lg-${name}.db`));
  const app = g.compile({ checkpointer: saver });
  const config = { configurable: { thread_id: name }, recursionLimit: 10_000 };
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await app.invoke({ n: 0 }, config);
  const ns = Number(process.hrtime.bigint() - t0);
  const cpu = process.cpuUsage(c0);
  let checkpoints = 0;
  for await (const _ of saver.list({ configurable: { thread_id: name } })) checkpoints++;
  const sync = (saver.db.pragma('synchronous') as { synchronous: number }[])[0]!.synchronous;
  saver.db.close();
  return {
    nodes: steps.length,
    usPerStep: +(ns / 1000 / steps.length).toFixed(1),
    cpuUsPerStep: +((cpu.user + cpu.system) / steps.length).toFixed(1),
    totalMs: +(ns / 1e6).toFixed(1),
    checkpoints,
    sqliteSynchronous: sync,
  };
}
