/** Budget facts (USD). Reservations and spend are carried by step facts; these record limit changes and warnings. */
import { z } from 'zod';
import { Id } from './common.ts';

export const budgetFacts = {
  /** The limit was raised (e.g. when approving a budget request). */
  BudgetExtended: z.object({ limitUsd: z.number().min(0), by: z.string(), interactionId: Id.optional() }),
  /** Spend crossed `warnAt × limitUsd`. `interactionId`/`planId` name the plan whose budget it is (absent: the thread's). */
  BudgetWarned: z.object({
    spentUsd: z.number().min(0),
    limitUsd: z.number().min(0),
    interactionId: Id.optional(),
    planId: Id.optional(),
  }),
} as const;
