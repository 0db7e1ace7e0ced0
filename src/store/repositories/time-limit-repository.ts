import type { Executor } from '../db.js';
import { timeLimits } from '../schema.js';

export type TimeLimitRow = typeof timeLimits.$inferSelect;

export async function allTimeLimits(db: Executor): Promise<TimeLimitRow[]> {
  return db.select().from(timeLimits);
}
