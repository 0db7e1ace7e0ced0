// Periods a cadre asks figures for, typed as people type them, and the rate maths.
import { describe, expect, it } from 'vitest';
import { isCalendarDate, parsePeriod, percent, periodDays, share } from '../../../src/domain/period.js';

const TODAY = '2025-06-10';
const days = (text: string) => {
  const r = parsePeriod(text, TODAY);
  if (!r.ok) throw new Error(`${text}: ${r.reason}`);
  return periodDays(r.period, TODAY);
};

describe('periods', () => {
  it('gives the days of this month, last month, this year and all time', () => {
    expect(periodDays({ kind: 'this_month' }, TODAY)).toEqual({ from: '2025-06-01', to: '2025-06-30' });
    expect(periodDays({ kind: 'last_month' }, TODAY)).toEqual({ from: '2025-05-01', to: '2025-05-31' });
    expect(periodDays({ kind: 'this_year' }, TODAY)).toEqual({ from: '2025-01-01', to: '2025-12-31' });
    expect(periodDays({ kind: 'all' }, TODAY)).toEqual({ from: null, to: null });
    // January's last month is last year's December; February knows leap years.
    expect(periodDays({ kind: 'last_month' }, '2025-01-15')).toEqual({ from: '2024-12-01', to: '2024-12-31' });
    expect(periodDays({ kind: 'this_month' }, '2024-02-03')).toEqual({ from: '2024-02-01', to: '2024-02-29' });
    expect(periodDays({ kind: 'last_month' }, '2025-03-31')).toEqual({ from: '2025-02-01', to: '2025-02-28' });
  });

  it('reads period words in the three languages', () => {
    for (const [text, kind] of [
      ['本月', 'this_month'],
      ['上个月', 'last_month'],
      ['上個月', 'last_month'],
      ['今年', 'this_year'],
      ['全部', 'all'],
      ['this month', 'this_month'],
      ['Last-Month', 'last_month'],
      ['this_year', 'this_year'],
    ] as const) {
      expect(parsePeriod(text, TODAY), text).toEqual({ ok: true, period: { kind } });
    }
  });

  it('accepts two days in forgiving formats', () => {
    const march = { from: '2025-03-01', to: '2025-03-31' };
    for (const text of [
      '2025-03-01 2025-03-31',
      '2025-3-1 至 2025-3-31',
      '2025/03/01-2025/03/31',
      '2025.3.1~2025.3.31',
      '2025年3月1日到2025年3月31日',
      '2025年3月1号至31号',
      '2025-03-01 至 3-31',
      '20250301-20250331',
      '２０２５－０３－０１　至　２０２５－０３－３１',
      '3月1日到3月31日',
      '2025年3月',
      '2025-03',
    ]) {
      expect(days(text), text).toEqual(march);
    }
    // One day alone is that day.
    expect(days('2025-03-08')).toEqual({ from: '2025-03-08', to: '2025-03-08' });
  });

  it('refuses days that do not exist, text with no day, and a first day after the last', () => {
    expect(parsePeriod('2025-02-30 2025-03-31', TODAY)).toMatchObject({ ok: false, reason: 'bad_date', value: '2025-02-30' });
    expect(parsePeriod('2025-13-01', TODAY)).toMatchObject({ ok: false, reason: 'bad_date' });
    expect(parsePeriod('2月30日', TODAY)).toMatchObject({ ok: false, reason: 'bad_date' });
    expect(parsePeriod('2025年13月', TODAY)).toMatchObject({ ok: false, reason: 'bad_date' });
    expect(parsePeriod('12345', TODAY)).toMatchObject({ ok: false, reason: 'bad_date' });
    expect(parsePeriod('上上个月吧', TODAY)).toMatchObject({ ok: false, reason: 'no_date' });
    expect(parsePeriod('   ', TODAY)).toMatchObject({ ok: false, reason: 'no_date' });
    expect(parsePeriod('2025-03-31 至 2025-03-01', TODAY)).toEqual({ ok: false, reason: 'reversed', value: '2025-03-31 至 2025-03-01', from: '2025-03-31', to: '2025-03-01' });
    expect(parsePeriod('2025-01-01 2025-02-01 2025-03-01', TODAY)).toMatchObject({ ok: false, reason: 'bad_date' });
  });

  it('knows a calendar day', () => {
    expect(isCalendarDate('2024-02-29')).toBe(true);
    expect(isCalendarDate('2025-02-29')).toBe(false);
    expect(isCalendarDate('2025-3-1')).toBe(false);
  });
});

describe('rates', () => {
  it('gives no rate, never NaN, when there is nothing to divide by, and shows it as —', () => {
    expect(share(0, 0)).toEqual({ count: 0, of: 0, rate: null });
    expect(percent(share(0, 0).rate)).toBe('—');
    expect(percent(null, '-')).toBe('-');
    expect(percent(Number.NaN)).toBe('—');
  });

  it('rounds to one decimal', () => {
    expect(share(5, 6).rate).toBeCloseTo(0.8333, 4);
    expect(percent(share(5, 6).rate)).toBe('83.3%');
    expect(percent(share(6, 8).rate)).toBe('75.0%');
    expect(percent(share(0, 4).rate)).toBe('0.0%');
    expect(percent(1)).toBe('100.0%');
    expect(percent(2 / 3)).toBe('66.7%');
  });
});
