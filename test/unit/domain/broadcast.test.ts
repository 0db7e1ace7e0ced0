// 主动服务's rules: who may send a notice where, when a second cadre approves it, which version a
// reader gets, and when quiet hours let a notice through.
import { describe, expect, it } from 'vitest';
import { broadcastDueAt, followUpOutcome, followUpPolicy, followUpReason, mayApproveBroadcast, parseSendTime, mayBroadcastTo, needsApproval, textFor, type GridLevel, type Role, type RolePlace } from '../../../src/domain/index.js';

const node = (id: string, level: GridLevel, path: string) => ({ id, level, path });
const county = node('C', 'county', 'C');
const township = node('T', 'township', 'C/T');
const v1 = node('V1', 'village', 'C/T/V1');
const u1 = node('U1', 'unit', 'C/T/V1/U1');
const u2 = node('U2', 'unit', 'C/T/V1/U2');
// A sibling whose code starts like V1's: a prefix of the text is not a subtree.
const v10 = node('V10', 'village', 'C/T/V10');
const at = (role: Role, n: ReturnType<typeof node>): RolePlace => ({ role, node: n });

describe('mayBroadcastTo', () => {
  it('lets a cadre send to their node and everything under it, not beside or above it', () => {
    const cadre = [at('cadre', v1)];
    expect(mayBroadcastTo(cadre, v1)).toBe(true);
    expect(mayBroadcastTo(cadre, u2)).toBe(true);
    expect(mayBroadcastTo(cadre, v10)).toBe(false);
    expect(mayBroadcastTo(cadre, township)).toBe(false);
    expect(mayBroadcastTo([at('grid_leader', township)], u1)).toBe(true);
  });

  it('lets an officer send to their own unit grid only', () => {
    const officer = [at('officer_full', u1)];
    expect(mayBroadcastTo(officer, u1)).toBe(true);
    expect(mayBroadcastTo(officer, u2)).toBe(false);
    expect(mayBroadcastTo(officer, v1)).toBe(false);
    expect(mayBroadcastTo([at('officer_part', u2)], u2)).toBe(true);
  });

  it('lets county staff send anywhere, and never a villager or a liaison', () => {
    expect(mayBroadcastTo([at('officer_full', county)], v10)).toBe(true);
    expect(mayBroadcastTo([at('villager', u1)], u1)).toBe(false);
    expect(mayBroadcastTo([at('household_head', u1)], u1)).toBe(false);
    expect(mayBroadcastTo([at('liaison', township)], u1)).toBe(false);
  });

  it('lets only a cadre covering the node approve a large notice', () => {
    expect(mayApproveBroadcast([at('cadre', township)], v1)).toBe(true);
    expect(mayApproveBroadcast([at('cadre', v10)], v1)).toBe(false);
    expect(mayApproveBroadcast([at('officer_full', v1)], v1)).toBe(false);
  });
});

describe('needsApproval', () => {
  it('asks a second cadre above 500 recipients by default, or above the roster’s size', () => {
    expect(needsApproval(500)).toBe(false);
    expect(needsApproval(501)).toBe(true);
    expect(needsApproval(51, 50)).toBe(true);
    expect(needsApproval(50, 50)).toBe(false);
  });
});

describe('textFor', () => {
  const texts = { 'zh-CN': '今晚七点村委会放电影', en: 'Film night at 7 pm' };
  it('gives the reader their own language’s version, else the default', () => {
    expect(textFor(texts, 'en', 'zh-CN')).toBe('Film night at 7 pm');
    expect(textFor(texts, 'zh-TW', 'zh-CN')).toBe('今晚七点村委会放电影');
    expect(textFor({ en: 'only' }, 'zh-TW', 'zh-CN')).toBe('only');
  });
});

describe('broadcastDueAt', () => {
  // Shanghai is UTC+8 all year.
  const shanghai = (hhmm: string, day = '2026-06-10') => new Date(`${day}T${hhmm}:00+08:00`);
  it('lets a notice through in the day at once', () => {
    expect(broadcastDueAt(shanghai('10:00'), 'Asia/Shanghai')).toEqual(shanghai('10:00'));
    expect(broadcastDueAt(shanghai('21:59'), 'Asia/Shanghai')).toEqual(shanghai('21:59'));
    expect(broadcastDueAt(shanghai('07:00'), 'Asia/Shanghai')).toEqual(shanghai('07:00'));
  });

  it('holds one in the quiet hours until 07:00 the next morning in the reader’s zone', () => {
    expect(broadcastDueAt(new Date(shanghai('22:00').getTime() + 17_000), 'Asia/Shanghai')).toEqual(shanghai('07:00', '2026-06-11'));
    expect(broadcastDueAt(shanghai('23:30'), 'Asia/Shanghai')).toEqual(shanghai('07:00', '2026-06-11'));
    expect(broadcastDueAt(shanghai('03:10'), 'Asia/Shanghai')).toEqual(shanghai('07:00'));
    // 10:00 in Shanghai is 22:00 the evening before in New York (EDT): held until 07:00 there.
    expect(broadcastDueAt(shanghai('10:00'), 'America/New_York')).toEqual(new Date('2026-06-10T07:00:00-04:00'));
  });

  it('follows the quiet hours given', () => {
    expect(broadcastDueAt(shanghai('21:30'), 'Asia/Shanghai', { from: '21:00', to: '06:30' })).toEqual(shanghai('06:30', '2026-06-11'));
    expect(broadcastDueAt(shanghai('23:30'), 'Asia/Shanghai', { from: '00:00', to: '00:00' })).toEqual(shanghai('23:30'));
  });
});

describe('followUpReason (回访)', () => {
  const at = new Date('2026-11-27T02:00:00Z');
  it('asks for a visit when the villager is silent or was ever not satisfied', () => {
    expect(followUpReason({ state: 'settled', evaluatedAt: null }, [])).toBe('unrated');
    expect(followUpReason({ state: 'closed', evaluatedAt: at }, ['unsatisfied', 'satisfied'])).toBe('unsatisfied');
    expect(followUpReason({ state: 'settled', evaluatedAt: at }, ['unsatisfied'])).toBe('unsatisfied');
  });
  it('leaves alone one rated content, one being worked again, and one withdrawn', () => {
    expect(followUpReason({ state: 'closed', evaluatedAt: at }, ['satisfied'])).toBeNull();
    expect(followUpReason({ state: 'closed', evaluatedAt: at }, ['basically_satisfied'])).toBeNull();
    expect(followUpReason({ state: 'open', evaluatedAt: at }, ['unsatisfied'])).toBeNull();
    expect(followUpReason({ state: 'withdrawn', evaluatedAt: null }, [])).toBeNull();
  });
});

describe('followUpOutcome and followUpPolicy (回访 by the roster)', () => {
  const at = new Date('2026-11-27T02:00:00Z');
  it('names what the villager made of it, for the roster to pick from', () => {
    expect(followUpOutcome({ state: 'settled', evaluatedAt: null }, [])).toBe('unrated');
    expect(followUpOutcome({ state: 'closed', evaluatedAt: at }, ['satisfied'])).toBe('satisfied');
    expect(followUpOutcome({ state: 'closed', evaluatedAt: at }, ['basically_satisfied'])).toBe('basically_satisfied');
    expect(followUpOutcome({ state: 'closed', evaluatedAt: at }, ['unsatisfied', 'satisfied'])).toBe('unsatisfied');
    expect(followUpOutcome({ state: 'open', evaluatedAt: at }, ['unsatisfied'])).toBeNull();
  });
  it('defaults to 3 days, the silent and the dissatisfied (not 满意), the villager asked', () => {
    expect(followUpPolicy(null)).toEqual({ days: 3, outcomes: ['unrated', 'unsatisfied'], askVillager: true });
    expect(followUpPolicy({ days: 7, outcomes: ['satisfied', 'nonsense'], askVillager: false })).toEqual({ days: 7, outcomes: ['satisfied'], askVillager: false });
  });
});

describe('parseSendTime', () => {
  const now = new Date('2026-06-03T10:00:00+08:00');
  it('reads a full time or a time of day in the node’s zone; a time of day already past is tomorrow’s', () => {
    expect(parseSendTime('2026-10-01 08:00', now, 'Asia/Shanghai')).toEqual(new Date('2026-10-01T08:00:00+08:00'));
    expect(parseSendTime('19:30', now, 'Asia/Shanghai')).toEqual(new Date('2026-06-03T19:30:00+08:00'));
    expect(parseSendTime('8：05', now, 'Asia/Shanghai')).toEqual(new Date('2026-06-04T08:05:00+08:00'));
    // 22:00 on the 2nd in New York: 19:30 there has passed, so it is the 3rd's.
    expect(parseSendTime('19:30', now, 'America/New_York')).toEqual(new Date('2026-06-03T19:30:00-04:00'));
  });
  it('refuses what is not a time, a day that does not exist, and a time past', () => {
    for (const bad of ['明天吧', '25:00', '2026-02-30 08:00', '2026-06-03 09:00', '']) expect(parseSendTime(bad, now, 'Asia/Shanghai')).toBeNull();
  });
});
