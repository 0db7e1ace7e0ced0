// 节日贺词: the holidays a yearly broadcast may be sent on, and their date in a given year. The
// lunar ones (春节, 元宵, 端午, 七夕, 中秋, 重阳) and 清明 (a solar term) come from lunar-typescript,
// whose astronomy matches the published calendar (ICU's Chinese calendar puts 春节 2027 and 2030 a
// day off). It is loaded the first time a date is asked for (14 MB a service never asked need not hold).
import { dayAfter, zonedInstant } from './deadlines.js';

export const HOLIDAYS = ['new_year', 'spring_festival', 'lantern', 'qingming', 'dragon_boat', 'qixi', 'mid_autumn', 'double_ninth', 'national_day'] as const;
export type Holiday = (typeof HOLIDAYS)[number];

export const isHoliday = (v: unknown): v is Holiday => typeof v === 'string' && (HOLIDAYS as readonly string[]).includes(v);

/** A yearly greeting goes out at this local time on the day. */
export const HOLIDAY_SEND_TIME = '08:00';

type Rule = { solar: readonly [number, number] } | { lunar: readonly [number, number] } | { term: '清明' };

const RULES: Readonly<Record<Holiday, Rule>> = {
  new_year: { solar: [1, 1] },
  spring_festival: { lunar: [1, 1] },
  lantern: { lunar: [1, 15] },
  qingming: { term: '清明' },
  dragon_boat: { lunar: [5, 5] },
  qixi: { lunar: [7, 7] },
  mid_autumn: { lunar: [8, 15] },
  double_ninth: { lunar: [9, 9] },
  national_day: { solar: [10, 1] },
};

const pad = (n: number) => String(n).padStart(2, '0');

let lunarLib: Promise<typeof import('lunar-typescript')> | null = null;
const lunar = () => (lunarLib ??= import('lunar-typescript'));

/** The holiday's date ('YYYY-MM-DD') in the Gregorian year `year`. */
export async function holidayDate(holiday: Holiday, year: number): Promise<string> {
  const rule = RULES[holiday];
  if ('solar' in rule) return `${year}-${pad(rule.solar[0])}-${pad(rule.solar[1])}`;
  const { Lunar } = await lunar();
  // Every lunar date used here falls in the Gregorian year its lunar year began in (正月 to 九月).
  if ('lunar' in rule) return Lunar.fromYmd(year, rule.lunar[0], rule.lunar[1]).getSolar().toYmd();
  // 清明 is in the lunar year that began in the same Gregorian year (it is always in April).
  return Lunar.fromYmd(year, 3, 1).getJieQiTable()[rule.term]!.toYmd();
}

/**
 * The holiday's next occurrence strictly after `after`: its day at `time` in `zone`, this year or
 * the next. `year` is the Gregorian year of that day.
 */
export async function nextHoliday(holiday: Holiday, after: Date, zone: string, time: string = HOLIDAY_SEND_TIME): Promise<{ at: Date; year: number; day: string }> {
  const thisYear = Number(new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric' }).format(after));
  for (const year of [thisYear, thisYear + 1]) {
    const day = await holidayDate(holiday, year);
    const at = zonedInstant(day, time, zone);
    if (at.getTime() > after.getTime()) return { at, year, day };
  }
  // Unreachable (next year's is always after), kept for the type.
  const day = await holidayDate(holiday, thisYear + 2);
  return { at: zonedInstant(day, time, zone), year: thisYear + 2, day };
}

/**
 * The occurrence a yearly broadcast's job fires for: this year's day at `time` in `zone`, when it
 * has come and is less than a day old (a job held up by a restart still sends that morning's
 * greeting; one a day late sends nothing). Null otherwise.
 */
export async function dueHoliday(holiday: Holiday, now: Date, zone: string, time: string = HOLIDAY_SEND_TIME): Promise<{ at: Date; year: number; day: string } | null> {
  const year = Number(new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric' }).format(now));
  for (const y of [year, year - 1]) {
    const day = await holidayDate(holiday, y);
    const at = zonedInstant(day, time, zone);
    if (at.getTime() <= now.getTime() && zonedInstant(dayAfter(day), time, zone).getTime() > now.getTime()) return { at, year: y, day };
  }
  return null;
}
