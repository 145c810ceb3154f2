/**
 * A plan's DAG drawn as text, one row per layer (a node's layer is its longest dependency chain,
 * from the `dag` projection), each node with its status mark and the steps it waits for:
 *
 * ```
 *   L0  ✓ list-src   ✓ list-tests   ✓ git-log
 *   L1  ✓ count-lines ⇐ list-src, list-tests
 *   L2  ⏸ write-report ⇐ count-lines, git-log
 * ```
 * followed by the critical path so far (longest recorded chain of completed steps).
 */
import type { Colors } from '../io.ts';
import type { PlanDag } from '../../index.ts';
import { safeText } from './safe-text.ts';
import { colorFor, duration, statusMark } from './status-marks.ts';

/** The lines of the drawing (no trailing newline). */
export function renderDag(c: Colors, dag: PlanDag): string[] {
  const rows: string[][] = Array.from({ length: dag.layerCount }, () => []);
  for (const id of dag.nodeOrder) {
    const n = dag.nodes[id]!;
    const head = colorFor(c, n.status, `${statusMark(n.status)} ${safeText(id)}`);
    const deps = n.dependsOn.length > 0 ? c.dim(` ⇐ ${safeText(n.dependsOn.join(', '))}`) : '';
    rows[n.layer]!.push(`${head}${deps}`);
  }
  const lines = rows.map((nodes, layer) => `  ${c.dim(`L${layer}`)}  ${nodes.join('   ')}`);
  const cp = dag.criticalPath;
  if (cp.stepIds.length > 0) lines.push(`  ${c.dim('critical path so far:')} ${safeText(cp.stepIds.join(' → '))} (${duration(cp.durationMs)})`);
  return lines;
}
