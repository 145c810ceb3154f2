/**
 * Order of the test files (vitest's `sequence.sequencer`). Vitest runs the files that took longest
 * in its last run first, and files it has no duration for by size, largest first. Without
 * durations (a fresh clone, a cleared cache) that would start the multi-process integration files
 * — small files that run for minutes — late, and one worker would finish them alone while the other
 * idles. So whenever a file lacks a recorded duration, the integration files (`*.int.test.ts`:
 * processes, databases, timers) run first, each group in vitest's order; with every duration known,
 * vitest's order stands.
 */
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Vitest's sequencer, integration files first while durations are missing. */
export class IntegrationFirstSequencer extends BaseSequencer {
  /** @returns `files` in the order their runs start. */
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const known = (f: TestSpecification): boolean => this.ctx.cache.getFileTestResults(`${f.project.name}:${relative(this.ctx.config.root, f.moduleId)}`) !== undefined;
    if (sorted.every(known)) return sorted;
    const integration = (f: TestSpecification): boolean => f.moduleId.endsWith('.int.test.ts');
    return [...sorted.filter(integration), ...sorted.filter((f) => !integration(f))];
  }
}
