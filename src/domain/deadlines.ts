// When a matter's time limits fall due, computed in its grid's time zone. Pure: zones are read
// through Intl, with no I/O. 纠纷不过夜: a dispute is due the same evening, and one that comes in
// the night is due first thing the next morning.
import { clockMinutes, wallClock } from './alert-policy.js';
import { dueAt, type TimeLimitPolicy } from './time-limits.js';
import type { Category } from './types.js';

/** The three limits of a matter: time to take it, to the first reply, to settle it at its level. */
export const LIMIT_KINDS = ['accept', 'reply', 'settle'] as const;
export type LimitKind = (typeof LIMIT_KINDS)[number];

/** Local wall-clock times 'HH:MM' bounding the night: after `evening` (or before `morning`) a dispute waits for `morning`. */
export interface DisputeCutoff {
  evening: string;
  morning: string;
}

export const DEFAULT_DISPUTE_CUTOFF: Readonly<DisputeCutoff> = { evening: '20:00', morning: '09:00' };
export const DEFAULT_GRID_TIMEZONE = 'Asia/Shanghai';

/** What, besides the policy, decides a deadline: the grid's zone and its dispute cut-off. */
export interface DeadlineRules {
  timezone: string;
  disputeCutoff: DisputeCutoff;
}

export const DEFAULT_DEADLINE_RULES: Readonly<DeadlineRules> = { timezone: DEFAULT_GRID_TIMEZONE, disputeCutoff: DEFAULT_DISPUTE_CUTOFF };

/** The share of a limit after which the assignee is warned. */
export const WARN_SHARE = 0.75;

/** Null when the cut-off is usable; otherwise what is wrong with it. */
export function disputeCutoffProblem(cutoff: DisputeCutoff): string | null {
  try {
    if (clockMinutes(cutoff.morning) >= clockMinutes(cutoff.evening)) return `dispute_morning (${cutoff.morning}) must come before dispute_cutoff (${cutoff.evening})`;
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

/** How far `zone`'s wall clock is ahead of UTC at `at`, in ms. */
function zoneOffsetMs(at: Date, zone: string): number {
  let f = offsetFormatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    offsetFormatters.set(zone, f);
  }
  const p = Object.fromEntries(f.formatToParts(at).map((x) => [x.type, Number(x.value)]));
  const asUtc = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  return asUtc - Math.floor(at.getTime() / 1000) * 1000;
}

/** The instant at which the wall clock in `zone` reads `hhmm` on `day` (YYYY-MM-DD). */
export function zonedInstant(day: string, hhmm: string, zone: string): Date {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const minutes = clockMinutes(hhmm);
  const wall = Date.UTC(y, m - 1, d, Math.floor(minutes / 60), minutes % 60);
  // Twice: the offset at the first guess may differ from the offset at the answer (DST changes).
  let t = wall - zoneOffsetMs(new Date(wall), zone);
  t = wall - zoneOffsetMs(new Date(t), zone);
  return new Date(t);
}

/** The day after a YYYY-MM-DD day. */
export function dayAfter(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/**
 * 纠纷不过夜: a dispute that arrives at `start` in the day is due at the earlier of its policy
 * limit and that evening's cut-off; one that arrives in the night (at or after the cut-off, or
 * before the morning time) is due at the next morning time, and `overnight` says the village
 * must be told at once.
 */
export function disputeDeadline(start: Date, settleMinutes: number, rules: DeadlineRules): { due: Date; overnight: boolean } {
  const { evening, morning } = rules.disputeCutoff;
  const local = wallClock(start, rules.timezone);
  if (local.minutes < clockMinutes(morning)) return { due: zonedInstant(local.day, morning, rules.timezone), overnight: true };
  if (local.minutes >= clockMinutes(evening)) return { due: zonedInstant(dayAfter(local.day), morning, rules.timezone), overnight: true };
  const tonight = zonedInstant(local.day, evening, rules.timezone);
  const byPolicy = dueAt(start, settleMinutes);
  return { due: byPolicy < tonight ? byPolicy : tonight, overnight: false };
}

export interface Deadlines {
  accept: Date;
  reply: Date;
  settle: Date;
  /** A dispute that came in the night (see disputeDeadline). */
  overnight: boolean;
}

/**
 * The three deadlines of limits started at `start` under `policy`. Accept and reply never fall
 * after settle: a limit that outlasts the matter's own settle time would never be reached.
 */
export function deadlinesFrom(
  start: Date,
  policy: Pick<TimeLimitPolicy, 'acceptMinutes' | 'replyMinutes' | 'settleMinutes'>,
  category: Category,
  rules: DeadlineRules = DEFAULT_DEADLINE_RULES,
): Deadlines {
  const settle = category === 'dispute' ? disputeDeadline(start, policy.settleMinutes, rules) : { due: dueAt(start, policy.settleMinutes), overnight: false };
  const capped = (d: Date) => (d < settle.due ? d : settle.due);
  return {
    accept: capped(dueAt(start, policy.acceptMinutes)),
    reply: capped(dueAt(start, policy.replyMinutes)),
    settle: settle.due,
    overnight: settle.overnight,
  };
}

/** One of deadlinesFrom's deadlines. */
export function deadlineFor(
  kind: LimitKind,
  start: Date,
  policy: Pick<TimeLimitPolicy, 'acceptMinutes' | 'replyMinutes' | 'settleMinutes'>,
  category: Category,
  rules: DeadlineRules = DEFAULT_DEADLINE_RULES,
): Date {
  return deadlinesFrom(start, policy, category, rules)[kind];
}

/** When the warning for a limit from `start` to `due` goes out: at `share` (default 75%) of the way. */
export function warningAt(start: Date, due: Date, share = WARN_SHARE): Date {
  return new Date(start.getTime() + Math.floor((due.getTime() - start.getTime()) * share));
}
