// The period a cadre reads figures for: this month, last month, this year, everything, or two
// days typed as people type them ("2025-3-1 至 2025-3-31", "2025年3月1日到31日"…). Days are
// YYYY-MM-DD, read in the grid's zone by whoever counts. Rates: a share of nothing is no rate.

export const PERIOD_NAMES = ['this_month', 'last_month', 'this_year', 'all'] as const;
export type PeriodName = (typeof PERIOD_NAMES)[number];

/** A named period, or days (either end may be open: the CLI's --from alone). */
export type Period = { kind: PeriodName } | { kind: 'dates'; from: string | null; to: string | null };

/** Inclusive days; null is open-ended. */
export interface DayRange {
  from: string | null;
  to: string | null;
}

/** A share: `count` of `of`, and the rate, null when `of` is 0 (never NaN). */
export interface Share {
  count: number;
  of: number;
  rate: number | null;
}

export const share = (count: number, of: number): Share => ({ count, of, rate: of > 0 ? count / of : null });

/** A rate as a percentage with one decimal ("83.3%"), or `none` when there is no rate. */
export function percent(rate: number | null, none = '—'): string {
  if (rate === null || !Number.isFinite(rate)) return none;
  return `${(Math.round(rate * 1000) / 10).toFixed(1)}%`;
}

/** A real calendar day written YYYY-MM-DD. */
export function isCalendarDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

const pad = (n: number) => String(n).padStart(2, '0');
const lastDayOf = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();

/** The days a period covers, `today` (YYYY-MM-DD) being the day it is asked on. */
export function periodDays(period: Period, today: string): DayRange {
  const y = Number(today.slice(0, 4));
  const m = Number(today.slice(5, 7));
  switch (period.kind) {
    case 'all':
      return { from: null, to: null };
    case 'this_month':
      return { from: `${y}-${pad(m)}-01`, to: `${y}-${pad(m)}-${pad(lastDayOf(y, m))}` };
    case 'last_month': {
      const [ly, lm] = m === 1 ? [y - 1, 12] : [y, m - 1];
      return { from: `${ly}-${pad(lm)}-01`, to: `${ly}-${pad(lm)}-${pad(lastDayOf(ly, lm))}` };
    }
    case 'this_year':
      return { from: `${y}-01-01`, to: `${y}-12-31` };
    case 'dates':
      return { from: period.from, to: period.to };
  }
}

export type PeriodParse =
  | { ok: true; period: Period }
  | { ok: false; reason: 'no_date' | 'bad_date'; value: string }
  | { ok: false; reason: 'reversed'; value: string; from: string; to: string };

// Words a cadre may type instead of pressing a button, in the three languages the bot speaks.
const WORDS: Array<[RegExp, PeriodName]> = [
  [/^(本月|这个月|這個月|本月份|当月|當月|this[\s_-]*month|month)$/i, 'this_month'],
  [/^(上月|上个月|上個月|上月份|last[\s_-]*month)$/i, 'last_month'],
  [/^(今年|本年|本年度|this[\s_-]*year|year)$/i, 'this_year'],
  [/^(全部|所有|全部时间|全部時間|all|all[\s_-]*time)$/i, 'all'],
];

// A day: 2025-3-1, 2025/03/01, 2025.3.1, 2025年3月1日(号), 20250301; or, within the text, 3月1日 / 3-1 after a full day.
const FULL = /(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号號]?|(?<!\d)(\d{4})(\d{2})(\d{2})(?!\d)/g;
const FULL_ONCE = new RegExp(FULL.source);
const MONTH = /^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$/;

/** A day from its parts, or null when there is no such day. */
function day(y: number, m: number, d: number): string | null {
  const s = `${y}-${pad(m)}-${pad(d)}`;
  return isCalendarDate(s) ? s : null;
}

/**
 * Reads what a cadre typed for a period: a period's name, two days (from, to), one day (that day
 * alone), or a month ("2025年3月", "2025-03": the whole month). Full-width digits are read as
 * digits. Days without a year ("3月1日至3月31日") are in `today`'s year.
 */
export function parsePeriod(input: string, today: string): PeriodParse {
  const text = input.normalize('NFKC').trim();
  if (!text) return { ok: false, reason: 'no_date', value: '' };
  for (const [re, kind] of WORDS) if (re.test(text)) return { ok: true, period: { kind } };

  const month = MONTH.exec(text);
  if (month) {
    const [y, m] = [Number(month[1]), Number(month[2])];
    if (m < 1 || m > 12) return { ok: false, reason: 'bad_date', value: text };
    return { ok: true, period: { kind: 'dates', from: `${y}-${pad(m)}-01`, to: `${y}-${pad(m)}-${pad(lastDayOf(y, m))}` } };
  }

  const days: string[] = [];
  for (const m of text.matchAll(FULL)) {
    const [y, mo, d] = m[1] ? [m[1], m[2], m[3]] : [m[4], m[5], m[6]];
    const found = day(Number(y), Number(mo), Number(d));
    if (!found) return { ok: false, reason: 'bad_date', value: m[0].trim() };
    days.push(found);
  }
  if (!days.length) {
    // Days without a year: 3月1日, 3月1号.
    const year = Number(today.slice(0, 4));
    for (const m of text.matchAll(/(\d{1,2})\s*月\s*(\d{1,2})\s*[日号號]?/g)) {
      const found = day(year, Number(m[1]), Number(m[2]));
      if (!found) return { ok: false, reason: 'bad_date', value: m[0].trim() };
      days.push(found);
    }
  } else if (days.length === 1) {
    // "2025年3月1日到31日", "2025-03-01 至 3-31": the second day borrows the first one's year (and month).
    const rest = text.slice(text.search(FULL_ONCE) + (FULL_ONCE.exec(text)?.[0].length ?? 0));
    const md = /(?:(\d{1,2})\s*[-/.月])?\s*(\d{1,2})\s*[日号號]?\s*$/.exec(rest.replace(/^[\s至到~～—–\-,，、]+/, ''));
    if (md && /\d/.test(rest)) {
      const [y, m] = [Number(days[0]!.slice(0, 4)), md[1] ? Number(md[1]) : Number(days[0]!.slice(5, 7))];
      const found = day(y, m, Number(md[2]));
      if (!found) return { ok: false, reason: 'bad_date', value: rest.trim() };
      days.push(found);
    }
  }
  if (!days.length) return { ok: false, reason: /\d/.test(text) ? 'bad_date' : 'no_date', value: text };
  if (days.length > 2) return { ok: false, reason: 'bad_date', value: text };
  const [from, to] = [days[0]!, days[1] ?? days[0]!];
  if (from > to) return { ok: false, reason: 'reversed', value: text, from, to };
  return { ok: true, period: { kind: 'dates', from, to } };
}
