/**
 * Plan shapes of bench/growth, each a function of the step count `n` (ids are short so a 16k-step
 * plan stays a few hundred KB in its `PlanAccepted` fact).
 */

/** One step of a generated plan (action `noop`). */
export type GrowthStep = { id: string; action: 'noop'; dependsOn: string[] };

/** A shape: its name, the plan's `maxConcurrency`, and the steps for a size. */
export type Shape = { name: string; maxConcurrency: number; steps: (n: number) => GrowthStep[] };

const step = (id: string, dependsOn: string[]): GrowthStep => ({ id, action: 'noop', dependsOn });

/** `n` steps without dependencies. */
function independent(n: number): GrowthStep[] {
  return Array.from({ length: n }, (_, i) => step(`s${i}`, []));
}

/** One chain: step i depends on step i-1. */
function chain(n: number): GrowthStep[] {
  return Array.from({ length: n }, (_, i) => step(`s${i}`, i === 0 ? [] : [`s${i - 1}`]));
}

/** 50 chains of n/50 steps each. */
function chains50(n: number): GrowthStep[] {
  const depth = Math.ceil(n / 50);
  const steps: GrowthStep[] = [];
  for (let c = 0; c < 50; c++) for (let d = 0; d < depth && steps.length < n; d++) steps.push(step(`c${c}_${d}`, d === 0 ? [] : [`c${c}_${d - 1}`]));
  return steps;
}

/** Layers of 50 steps; between two layers a join step that depends on the whole previous layer. */
function layers50(n: number): GrowthStep[] {
  const steps: GrowthStep[] = [];
  let join: string | undefined;
  for (let l = 0; steps.length < n; l++) {
    const layer: string[] = [];
    for (let w = 0; w < 50 && steps.length < n; w++) {
      layer.push(`l${l}_${w}`);
      steps.push(step(`l${l}_${w}`, join === undefined ? [] : [join]));
    }
    if (steps.length < n) {
      join = `j${l}`;
      steps.push(step(join, layer));
    }
  }
  return steps;
}

/** The five shapes measured, in order. */
export const SHAPES: readonly Shape[] = [
  { name: 'independent_mc4', maxConcurrency: 4, steps: independent },
  { name: 'independent_mc64', maxConcurrency: 64, steps: independent },
  { name: 'chain', maxConcurrency: 64, steps: chain },
  { name: 'chains50', maxConcurrency: 64, steps: chains50 },
  { name: 'layers50', maxConcurrency: 64, steps: layers50 },
];
