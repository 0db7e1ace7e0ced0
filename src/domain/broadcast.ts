// 主动服务: the rules of a broadcast (a cadre's notice to everyone under a node). Who may send
// where is in roles.ts (mayBroadcastTo); here: when it needs a second cadre, which text a person
// reads, and when their quiet hours end. Pure.
import { clockMinutes, DEFAULT_QUIET_HOURS, inQuietHours, wallClock, type QuietHours } from './alert-policy.js';
import { dayAfter, zonedInstant } from './deadlines.js';
import { isCalendarDate } from './period.js';
import type { Role } from './types.js';

/** Above this many recipients a second cadre approves it first (the roster may set another). */
export const DEFAULT_APPROVAL_SIZE = 500;

/** The reply buttons a broadcast may carry: 我要参加 and 收到. */
export const BROADCAST_BUTTONS = ['attend', 'ack'] as const;
export type BroadcastButton = (typeof BROADCAST_BUTTONS)[number];

/** Who an audience can be narrowed to: residents, officers, cadres (empty: everyone placed there). */
export const AUDIENCE_GROUPS: Readonly<Record<'residents' | 'households' | 'staff', readonly Role[]>> = {
  residents: ['villager', 'household_head'],
  households: ['household_head'],
  staff: ['officer_full', 'officer_part', 'grid_leader', 'cadre'],
};
export type AudienceGroup = keyof typeof AUDIENCE_GROUPS;

export const BROADCAST_STATUSES = ['draft', 'awaiting_approval', 'scheduled', 'sending', 'done', 'rejected', 'cancelled', 'yearly'] as const;
export type BroadcastStatus = (typeof BROADCAST_STATUSES)[number];

/** 回访: days after a matter is settled that its officer is reminded to go back, when it needs it. */
export const DEFAULT_FOLLOW_UP_DAYS = 3;

/**
 * 回访: whether a settled matter needs its officer to go back — the villager has not rated it, or
 * rated it 不满意 at some point (it was reopened and settled again). Not a matter being worked
 * again, withdrawn, or rated 满意/基本满意 at every turn.
 */
export function followUpReason(m: { state: string; evaluatedAt: Date | null }, ratings: readonly string[]): 'unrated' | 'unsatisfied' | null {
  if (m.state !== 'settled' && m.state !== 'closed') return null;
  if (ratings.includes('unsatisfied')) return 'unsatisfied';
  return m.state === 'settled' && !m.evaluatedAt ? 'unrated' : null;
}

/**
 * A time to send, as a cadre types it, read in the node's zone: 'YYYY-MM-DD HH:MM', or 'HH:MM'
 * (today, or tomorrow once that time has passed). Null when it is neither, or already past.
 */
export function parseSendTime(input: string, now: Date, zone: string): Date | null {
  const text = input.trim().replace('：', ':');
  const full = /^(\d{4}-\d{2}-\d{2})[ T]+([01]?\d|2[0-3]):([0-5]\d)$/.exec(text);
  const clock = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(text);
  const hhmm = (h: string, m: string) => `${h.padStart(2, '0')}:${m}`;
  let at: Date | null = null;
  if (full && isCalendarDate(full[1]!)) at = zonedInstant(full[1]!, hhmm(full[2]!, full[3]!), zone);
  else if (clock) {
    const today = wallClock(now, zone).day;
    at = zonedInstant(today, hhmm(clock[1]!, clock[2]!), zone);
    if (at.getTime() <= now.getTime()) at = zonedInstant(dayAfter(today), hhmm(clock[1]!, clock[2]!), zone);
  }
  return at && at.getTime() > now.getTime() ? at : null;
}

/** Whether a broadcast to this many people waits for a second cadre. */
export function needsApproval(recipients: number, limit: number = DEFAULT_APPROVAL_SIZE): boolean {
  return recipients > limit;
}

/** The version a reader gets: their own language's when the author wrote one, else the default's. */
export function textFor(texts: Readonly<Record<string, string>>, locale: string, defaultLocale: string): string {
  return texts[locale] ?? texts[defaultLocale] ?? Object.values(texts)[0] ?? '';
}

/**
 * When a broadcast may reach a person whose zone is `zone` at `at`: `at` itself outside their
 * quiet hours (default 22:00–07:00), else the minute the quiet hours end (the morning).
 */
export function broadcastDueAt(at: Date, zone: string, quiet: QuietHours = DEFAULT_QUIET_HOURS): Date {
  if (!inQuietHours(at, zone, quiet)) return at;
  const now = wallClock(at, zone).minutes;
  const wait = (clockMinutes(quiet.to) - now + 1440) % 1440;
  const startOfMinute = at.getTime() - (at.getTime() % 60_000);
  return new Date(startOfMinute + wait * 60_000);
}
