// 主动服务: the rules of a broadcast (a cadre's notice to everyone under a node). Who may send
// where is in roles.ts (mayBroadcastTo); here: when it needs a second cadre, which text a person
// reads, and when their quiet hours end. Pure.
import { clockMinutes, DEFAULT_QUIET_HOURS, inQuietHours, wallClock, type QuietHours } from './alert-policy.js';
import { dayAfter, zonedInstant } from './deadlines.js';
import { isCalendarDate } from './period.js';
import type { Role } from './types.js';

/**
 * How long a broadcast's copy waits for a person whose sending window is closed (WeChat Customer
 * Service: 48 hours after they last wrote) to write again: 7 days from the broadcast's release.
 * Past it the copy is not delivered, and the report says why.
 */
export const BROADCAST_WINDOW_WAIT_MS = 7 * 86_400_000;

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

/** 回访: what the villager made of a settlement when its follow-up day comes. */
export const FOLLOW_UP_OUTCOMES = ['unrated', 'unsatisfied', 'basically_satisfied', 'satisfied'] as const;
export type FollowUpOutcome = (typeof FOLLOW_UP_OUTCOMES)[number];
/** Who gets a follow-up unless the roster says otherwise: the silent and the dissatisfied, never the content. */
export const DEFAULT_FOLLOW_UP_OUTCOMES: readonly FollowUpOutcome[] = ['unrated', 'unsatisfied'];

/** The villager's answers to the follow-up question (its buttons). */
export const FOLLOW_UP_ANSWERS = ['solved', 'unsolved', 'stop'] as const;
export type FollowUpAnswer = (typeof FOLLOW_UP_ANSWERS)[number];
export const isFollowUpAnswer = (v: unknown): v is FollowUpAnswer => (FOLLOW_UP_ANSWERS as readonly unknown[]).includes(v);

/** A node's 回访 settings (roster `follow_up`, inherited down the tree); null fields: the defaults. */
export interface FollowUpSettings {
  days: number | null;
  outcomes: readonly string[] | null;
  askVillager: boolean | null;
}

export interface FollowUpPolicy {
  /** Days after the settlement (default 3). */
  days: number;
  /** Which outcomes get one (default: not rated, 不满意). */
  outcomes: readonly FollowUpOutcome[];
  /** Whether the villager is asked once how it is now (default: yes). */
  askVillager: boolean;
}

/** The policy a node's settings make, with the defaults where they say nothing. */
export function followUpPolicy(s: Partial<FollowUpSettings> | null | undefined): FollowUpPolicy {
  const outcomes = s?.outcomes ? s.outcomes.filter((o): o is FollowUpOutcome => (FOLLOW_UP_OUTCOMES as readonly string[]).includes(o)) : DEFAULT_FOLLOW_UP_OUTCOMES;
  return { days: s?.days && s.days > 0 ? s.days : DEFAULT_FOLLOW_UP_DAYS, outcomes, askVillager: s?.askVillager ?? true };
}

/**
 * 回访: what became of a settled matter — the villager has not rated it, rated it 不满意 at some
 * point (it was reopened and settled again), or rated it 基本满意/满意 (their latest rating). Null
 * for a matter being worked again or withdrawn.
 */
export function followUpOutcome(m: { state: string; evaluatedAt: Date | null }, ratings: readonly string[]): FollowUpOutcome | null {
  if (m.state !== 'settled' && m.state !== 'closed') return null;
  if (ratings.includes('unsatisfied')) return 'unsatisfied';
  if (m.state === 'settled' && !m.evaluatedAt) return 'unrated';
  const last = ratings[ratings.length - 1];
  return last === 'satisfied' || last === 'basically_satisfied' ? last : m.state === 'settled' ? 'unrated' : null;
}

/** Whether a settled matter needs its officer to go back under the default policy (not rated, or 不满意). */
export function followUpReason(m: { state: string; evaluatedAt: Date | null }, ratings: readonly string[]): 'unrated' | 'unsatisfied' | null {
  const o = followUpOutcome(m, ratings);
  return o === 'unrated' || o === 'unsatisfied' ? o : null;
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
