// The desk's query strings (only known values pass; bad dates are told, not obeyed) and its charts
// (SVG whose attributes survive the CJK font family).
import { describe, expect, it } from 'vitest';
import { barChart, groupedBarChart, pieChart } from '../../../src/desk/charts.js';
import { matterFilterOf, periodOf } from '../../../src/desk/query.js';

describe('matter filters from a query string', () => {
  it('keeps known values, reads a reference as a reference and anything else as words', () => {
    const f = matterFilterOf({ category: 'dispute', state: 'open', level: 'village', size: 'big', overdue: '1', supervised: '1', q: '0000-0018', page: '3' });
    expect(f).toMatchObject({ category: 'dispute', state: 'open', level: 'village', size: 'big', overdue: true, supervised: true, ref: '0000-0018', page: 3, bad: false });
    expect(f.words).toBeUndefined();
    expect(matterFilterOf({ q: '  低保 ' })).toMatchObject({ words: '低保', ref: undefined });
  });

  it('drops what it does not know and says when a date is wrong', () => {
    const f = matterFilterOf({ category: 'weather', state: "open' or 1=1", level: 'province', topic: '../../etc', page: '-4', from: '2026-02-30', to: '2026-03-01' });
    expect(f).toMatchObject({ category: undefined, state: undefined, level: undefined, topic: undefined, page: 1, from: undefined, to: undefined, bad: true });
    expect(matterFilterOf({ page: '999999999' }).page).toBe(100_000);
    expect(matterFilterOf({ q: 'x'.repeat(500) }).words).toHaveLength(100);
  });
});

describe('the overview period', () => {
  const node = { timezone: 'Asia/Shanghai' };
  // 2026-06-30 20:00 UTC is already 1 July in Shanghai.
  const now = new Date('2026-06-30T20:00:00Z');

  it('defaults to this month so far in the node’s zone', () => {
    expect(periodOf({}, node, now)).toEqual({ from: '2026-07-01', to: '2026-07-01', bad: false });
  });

  it('takes a period as chosen, and falls back (telling) on a bad or backwards one', () => {
    expect(periodOf({ from: '2026-01-01', to: '2026-03-31' }, node, now)).toEqual({ from: '2026-01-01', to: '2026-03-31', bad: false });
    expect(periodOf({ from: '2026-13-01' }, node, now)).toMatchObject({ from: '2026-07-01', bad: true });
    expect(periodOf({ from: '2026-05-01', to: '2026-04-01' }, node, now)).toMatchObject({ bad: true });
  });
});

describe('charts', () => {
  it('are SVG with the CJK font family intact inside their style attributes', () => {
    for (const svg of [
      barChart('各类事项受理数', [{ label: '纠纷', value: 3 }, { label: '求助', value: 1 }]),
      groupedBarChart('下级网格对比', ['第三组', '第四组'], [{ name: '受理', values: [3, 1] }, { name: '办结', values: [1, 0] }]),
      pieChart('办结在哪一级', [{ label: '村里', value: 2 }]),
    ]) {
      expect(svg.startsWith('<svg')).toBe(true);
      expect(svg).toMatch(/viewBox="0 0 \d+ \d+"/);
      expect(svg).toContain("font-family:'Noto Sans CJK SC'");
      // A double quote inside the attribute would have ended it: the family's words would turn into attributes.
      expect(svg).not.toMatch(/\snoto=""/i);
    }
  });
});
