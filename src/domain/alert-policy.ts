// When a cadre alert goes out at once and when it waits for the morning digest. Pure: times are
// read in the node's zone through Intl, with no I/O.
import { isUrgent } from './matter-size.js';
import type { Category } from './types.js';

/** Local wall-clock times 'HH:MM'. Equal ends mean no quiet hours. */
export interface QuietHours {
  from: string;
  to: string;
}

export const DEFAULT_QUIET_HOURS: Readonly<QuietHours> = { from: '22:00', to: '07:00' };

export const CLOCK_RE = /^([01][0-9]|2[0-3]):([0-5][0-9])$/;

/** Minutes after midnight of 'HH:MM'; throws a RangeError for anything else. */
export function clockMinutes(hhmm: string): number {
  const m = CLOCK_RE.exec(hhmm);
  if (!m) throw new RangeError(`A time of day is written HH:MM (00:00 to 23:59), got "${hhmm}".`);
  return Number(m[1]) * 60 + Number(m[2]);
}

const partsFormatters = new Map<string, Intl.DateTimeFormat>();

function parts(at: Date, zone: string): Record<string, string> {
  let f = partsFormatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    partsFormatters.set(zone, f);
  }
  return Object.fromEntries(f.formatToParts(at).map((p) => [p.type, p.value]));
}

/** The local day (YYYY-MM-DD) and minutes since local midnight of `at` in `zone`. */
export function wallClock(at: Date, zone: string): { day: string; minutes: number } {
  const p = parts(at, zone);
  return { day: `${p.year}-${p.month}-${p.day}`, minutes: Number(p.hour) * 60 + Number(p.minute) };
}

/** The day before a YYYY-MM-DD day. */
export function previousDay(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}

/** True when `at` falls in the quiet hours, read in `zone`; the window may cross midnight. */
export function inQuietHours(at: Date, zone: string, quiet: QuietHours = DEFAULT_QUIET_HOURS): boolean {
  const from = clockMinutes(quiet.from);
  const to = clockMinutes(quiet.to);
  if (from === to) return false;
  const now = wallClock(at, zone).minutes;
  return from < to ? now >= from && now < to : now >= from || now < to;
}

/** 纠纷不过夜: disputes always alert at once; hazards do when marked urgent; the rest may wait. */
export function alertsAtOnce(matter: { category: Category; urgent?: boolean | null }): boolean {
  return matter.category === 'dispute' || isUrgent(matter.category, matter.urgent);
}

/** Whether an alert about `matter` (none for a node-wide alert) is held for the digest at `at`. */
export function holdAlert(at: Date, zone: string, quiet: QuietHours, matter: { category: Category; urgent?: boolean | null } | null): boolean {
  if (matter && alertsAtOnce(matter)) return false;
  return inQuietHours(at, zone, quiet);
}
