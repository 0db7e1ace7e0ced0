// What a desk page's query string asks for, checked: only known values pass, bad dates are told.
import { CATEGORIES, MATTER_LEVELS, MATTER_STATES, parseRef, SIZES } from '../domain/index.js';
import { isCalendarDate } from '../services/stats-service.js';
import type { MatterFilter } from '../services/web-desk.js';

export type Query = Record<string, string | undefined>;

const pick = <V extends string>(list: readonly V[], v: string | undefined): V | undefined => (v && (list as readonly string[]).includes(v) ? (v as V) : undefined);

export interface Period {
  from?: string;
  to?: string;
  /** A date given that is not a calendar day (or from after to): told, and the default used. */
  bad: boolean;
}

/** The period of the overview: as chosen, else the current month so far in the node's zone. */
export function periodOf(q: Query, node: { timezone: string }, now: Date): Period {
  const from = q.from?.trim();
  const to = q.to?.trim();
  const ok = (d: string | undefined) => !d || isCalendarDate(d);
  if ((from || to) && ok(from) && ok(to) && !(from && to && from > to)) return { from: from || undefined, to: to || undefined, bad: false };
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: node.timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
  return { from: `${today.slice(0, 8)}01`, to: today, bad: Boolean(from || to) };
}

export function matterFilterOf(q: Query): MatterFilter & { bad: boolean } {
  const search = q.q?.trim().slice(0, 100) ?? '';
  const ref = search ? parseRef(search) : null;
  const dates = [q.from, q.to].map((d) => d?.trim() || undefined);
  const bad = dates.some((d) => d !== undefined && !isCalendarDate(d));
  const page = Number.parseInt(q.page ?? '1', 10);
  return {
    category: pick(CATEGORIES, q.category),
    topic: q.topic && /^[\w-]{1,40}$/.test(q.topic) ? q.topic : undefined,
    state: pick(MATTER_STATES, q.state),
    level: pick(MATTER_LEVELS, q.level),
    size: pick(SIZES, q.size),
    supervised: q.supervised === '1' ? true : undefined,
    overdue: q.overdue === '1' ? true : undefined,
    from: bad ? undefined : dates[0],
    to: bad ? undefined : dates[1],
    ref: ref ?? undefined,
    words: search && !ref ? search : undefined,
    page: Number.isFinite(page) && page > 0 ? Math.min(page, 100_000) : 1,
    bad,
  };
}

