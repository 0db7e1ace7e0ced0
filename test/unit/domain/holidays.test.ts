// 节日贺词's dates: the published calendar's (ICU's Chinese calendar is a day off for 春节 2027 and
// 2030; the library's astronomy is not), at 08:00 in the node's zone, this year's or next year's.
import { describe, expect, it } from 'vitest';
import { dueHoliday, holidayDate, nextHoliday, type Holiday } from '../../../src/domain/holidays.js';

describe('holiday dates', () => {
  it.each<[Holiday, number, string]>([
    ['spring_festival', 2026, '2026-02-17'],
    ['spring_festival', 2027, '2027-02-06'],
    ['spring_festival', 2028, '2028-01-26'],
    ['spring_festival', 2030, '2030-02-03'],
    ['lantern', 2027, '2027-02-20'],
    ['qingming', 2026, '2026-04-05'],
    ['qingming', 2027, '2027-04-05'],
    ['qingming', 2028, '2028-04-04'],
    ['dragon_boat', 2026, '2026-06-19'],
    ['qixi', 2026, '2026-08-19'],
    ['mid_autumn', 2026, '2026-09-25'],
    ['mid_autumn', 2027, '2027-09-15'],
    ['double_ninth', 2026, '2026-10-18'],
    ['new_year', 2027, '2027-01-01'],
    ['national_day', 2027, '2027-10-01'],
  ])('%s %i is %s', async (h, year, day) => {
    expect(await holidayDate(h, year)).toBe(day);
  });

  it('the next one is this year’s until 08:00 on the day in the zone, then next year’s', async () => {
    const zone = 'Asia/Shanghai';
    expect(await nextHoliday('spring_festival', new Date('2026-12-06T10:00:00+08:00'), zone)).toEqual({ at: new Date('2027-02-06T08:00:00+08:00'), year: 2027, day: '2027-02-06' });
    expect((await nextHoliday('spring_festival', new Date('2027-02-06T07:59:00+08:00'), zone)).at).toEqual(new Date('2027-02-06T08:00:00+08:00'));
    expect(await nextHoliday('spring_festival', new Date('2027-02-06T08:00:00+08:00'), zone)).toEqual({ at: new Date('2028-01-26T08:00:00+08:00'), year: 2028, day: '2028-01-26' });
    // In another zone it is that zone's 08:00.
    expect((await nextHoliday('mid_autumn', new Date('2027-01-01T00:00:00Z'), 'Asia/Urumqi')).at).toEqual(new Date('2027-09-15T08:00:00+06:00'));
  });

  it('is due from 08:00 on the day for a day, never on another day', async () => {
    const zone = 'Asia/Shanghai';
    expect(await dueHoliday('mid_autumn', new Date('2027-09-15T08:00:00+08:00'), zone)).toMatchObject({ year: 2027, day: '2027-09-15' });
    expect(await dueHoliday('mid_autumn', new Date('2027-09-16T07:59:00+08:00'), zone)).toMatchObject({ year: 2027 });
    expect(await dueHoliday('mid_autumn', new Date('2027-09-16T08:00:00+08:00'), zone)).toBeNull();
    expect(await dueHoliday('mid_autumn', new Date('2027-09-15T07:59:00+08:00'), zone)).toBeNull();
    // A scheduler that fired on 2028-02-06 (last year's date) for 春节 finds nothing due.
    expect(await dueHoliday('spring_festival', new Date('2028-02-06T08:00:00+08:00'), zone)).toBeNull();
    // 元旦 just after midnight on a new year's eve fire: the one due is the one of the day.
    expect(await dueHoliday('new_year', new Date('2027-01-01T09:00:00+08:00'), zone)).toMatchObject({ year: 2027 });
  });
});
