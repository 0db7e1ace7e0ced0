// Time limits are data: a policy table the roster can extend; the most specific row wins.
import { NoTimeLimitError } from './errors.js';
import type { Category, MatterLevel, Size } from './types.js';

export interface TimeLimitPolicy {
  category: Category | '*';
  size: Size | '*';
  level: MatterLevel | '*';
  /** Minutes from report until an officer must accept. */
  acceptMinutes: number;
  /** Minutes from acceptance (or the last villager message) until a reply is due. */
  replyMinutes: number;
  /** Minutes from arrival at a level until the matter must be settled there. */
  settleMinutes: number;
}

export interface TimeLimitKey {
  category: Category;
  size: Size;
  level: MatterLevel;
}

const HOUR = 60;
const DAY = 24 * HOUR;

/** Defaults; put the roster's rows after these so they win ties. */
export const DEFAULT_TIME_LIMITS: readonly TimeLimitPolicy[] = [
  { category: '*', size: '*', level: '*', acceptMinutes: 2 * HOUR, replyMinutes: 4 * HOUR, settleMinutes: 3 * DAY },
  { category: '*', size: 'big', level: '*', acceptMinutes: 2 * HOUR, replyMinutes: 4 * HOUR, settleMinutes: 5 * DAY },
  { category: 'consult', size: '*', level: '*', acceptMinutes: 2 * HOUR, replyMinutes: 4 * HOUR, settleMinutes: 1 * DAY },
  // 纠纷不过夜: a working day stands in for "before night".
  { category: 'dispute', size: '*', level: '*', acceptMinutes: 1 * HOUR, replyMinutes: 2 * HOUR, settleMinutes: 8 * HOUR },
  { category: 'hazard', size: '*', level: '*', acceptMinutes: 30, replyMinutes: 1 * HOUR, settleMinutes: 1 * DAY },
];

function matches(p: TimeLimitPolicy, key: TimeLimitKey): boolean {
  return (
    (p.category === '*' || p.category === key.category) &&
    (p.size === '*' || p.size === key.size) &&
    (p.level === '*' || p.level === key.level)
  );
}

// Category outranks size outranks level: weights 4/2/1 make any exact category beat size+level.
function specificity(p: TimeLimitPolicy): number {
  return (p.category === '*' ? 0 : 4) + (p.size === '*' ? 0 : 2) + (p.level === '*' ? 0 : 1);
}

/**
 * The most specific matching row; among equally specific rows the later one wins, so overrides
 * are appended. Throws NoTimeLimitError if no row matches.
 */
export function resolveTimeLimit(policies: readonly TimeLimitPolicy[], key: TimeLimitKey): TimeLimitPolicy {
  let best: TimeLimitPolicy | undefined;
  for (const p of policies) {
    if (matches(p, key) && (best === undefined || specificity(p) >= specificity(best))) best = p;
  }
  if (best === undefined) throw new NoTimeLimitError(key);
  return best;
}

/** `from` plus `minutes` of wall-clock time (no office hours: 抓落实马上办). */
export function dueAt(from: Date, minutes: number): Date {
  if (!Number.isFinite(minutes) || minutes < 0) {
    throw new RangeError(`A time limit must be a non-negative number of minutes, got ${String(minutes)}.`);
  }
  return new Date(from.getTime() + minutes * 60_000);
}
