import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DEADLINE_RULES,
  dayAfter,
  deadlineFor,
  deadlinesFrom,
  disputeCutoffProblem,
  disputeDeadline,
  warningAt,
  zonedInstant,
  type DeadlineRules,
} from '../../../src/domain/deadlines.js';
import type { TimeLimitPolicy } from '../../../src/domain/time-limits.js';

const policy = (over: Partial<TimeLimitPolicy> = {}): TimeLimitPolicy => ({
  category: '*',
  size: '*',
  level: '*',
  acceptMinutes: 60,
  replyMinutes: 120,
  settleMinutes: 24 * 60,
  ...over,
});
const beijing = (local: string) => new Date(`${local}+08:00`);
const iso = (d: Date) => d.toISOString();
const rules = (over: Partial<DeadlineRules> = {}): DeadlineRules => ({ ...DEFAULT_DEADLINE_RULES, ...over });

describe('zonedInstant', () => {
  it('reads a wall-clock time in the zone', () => {
    expect(iso(zonedInstant('2026-11-27', '20:00', 'Asia/Shanghai'))).toBe('2026-11-27T12:00:00.000Z');
    expect(iso(zonedInstant('2026-11-27', '20:00', 'Asia/Urumqi'))).toBe('2026-11-27T14:00:00.000Z');
    expect(iso(zonedInstant('2026-11-27', '00:00', 'Asia/Shanghai'))).toBe('2026-11-26T16:00:00.000Z');
  });

  it('keeps to the zone across a daylight-saving change', () => {
    // New York: EDT (-4) until 1 Nov 2026, EST (-5) after.
    expect(iso(zonedInstant('2026-10-31', '20:00', 'America/New_York'))).toBe('2026-11-01T00:00:00.000Z');
    expect(iso(zonedInstant('2026-11-01', '20:00', 'America/New_York'))).toBe('2026-11-02T01:00:00.000Z');
  });

  it('rolls days over months and years', () => {
    expect(dayAfter('2026-12-31')).toBe('2027-01-01');
    expect(dayAfter('2028-02-28')).toBe('2028-02-29');
  });
});

describe('纠纷不过夜: disputeDeadline', () => {
  const long = 24 * 60;

  it('is due at 20:00 the same evening for a report at 15:00 Beijing time', () => {
    expect(disputeDeadline(beijing('2026-11-27T15:00'), long, rules())).toEqual({ due: beijing('2026-11-27T20:00'), overnight: false });
  });

  it('gives 19:59 one minute, and sends 20:01 to the next morning', () => {
    expect(disputeDeadline(beijing('2026-11-27T19:59'), long, rules())).toEqual({ due: beijing('2026-11-27T20:00'), overnight: false });
    expect(disputeDeadline(beijing('2026-11-27T20:00'), long, rules())).toEqual({ due: beijing('2026-11-28T09:00'), overnight: true });
    expect(disputeDeadline(beijing('2026-11-27T20:01'), long, rules())).toEqual({ due: beijing('2026-11-28T09:00'), overnight: true });
  });

  it('takes the policy when it is shorter than the evening', () => {
    expect(disputeDeadline(beijing('2026-11-27T10:00'), 6 * 60, rules()).due).toEqual(beijing('2026-11-27T16:00'));
  });

  it('reads the day in the grid zone, not in UTC: 23:50 UTC is 07:50 the next day in Beijing', () => {
    const at = new Date('2026-11-27T23:50:00Z');
    // Before the 09:00 morning time: still the night, due at 09:00 on the 28th (Beijing).
    expect(disputeDeadline(at, long, rules())).toEqual({ due: beijing('2026-11-28T09:00'), overnight: true });
    // The same instant in a grid whose morning starts at 07:00 is daytime: due 20:00 on the 28th.
    expect(disputeDeadline(at, long, rules({ disputeCutoff: { evening: '20:00', morning: '07:00' } }))).toEqual({ due: beijing('2026-11-28T20:00'), overnight: false });
  });

  it('uses the grid zone: 21:30 in Beijing is 19:30 in Urumqi, still before its cut-off', () => {
    const at = beijing('2026-11-27T21:30');
    expect(disputeDeadline(at, long, rules({ timezone: 'Asia/Urumqi' }))).toEqual({ due: new Date('2026-11-27T14:00:00Z'), overnight: false });
    expect(disputeDeadline(at, long, rules())).toEqual({ due: beijing('2026-11-28T09:00'), overnight: true });
  });

  it('follows a grid cut-off that is data', () => {
    const r = rules({ disputeCutoff: { evening: '18:30', morning: '08:00' } });
    expect(disputeDeadline(beijing('2026-11-27T18:29'), long, r).due).toEqual(beijing('2026-11-27T18:30'));
    expect(disputeDeadline(beijing('2026-11-27T18:30'), long, r).due).toEqual(beijing('2026-11-28T08:00'));
  });

  it('crosses month and year ends', () => {
    expect(disputeDeadline(beijing('2026-12-31T22:00'), long, rules()).due).toEqual(beijing('2027-01-01T09:00'));
  });

  it('checks a cut-off for sense', () => {
    expect(disputeCutoffProblem({ evening: '20:00', morning: '09:00' })).toBeNull();
    expect(disputeCutoffProblem({ evening: '08:00', morning: '09:00' })).toMatch(/before/);
    expect(disputeCutoffProblem({ evening: '24:00', morning: '09:00' })).toMatch(/HH:MM/);
  });
});

describe('deadlinesFrom', () => {
  it('adds the policy minutes for an ordinary matter, in wall-clock time across midnight', () => {
    const d = deadlinesFrom(beijing('2026-11-27T23:30'), policy(), 'help');
    expect(d).toEqual({ accept: beijing('2026-11-28T00:30'), reply: beijing('2026-11-28T01:30'), settle: beijing('2026-11-28T23:30'), overnight: false });
  });

  it('never lets accept or reply fall after settle', () => {
    const d = deadlinesFrom(beijing('2026-11-27T19:59'), policy({ acceptMinutes: 30, replyMinutes: 60 }), 'dispute');
    expect(d.settle).toEqual(beijing('2026-11-27T20:00'));
    expect(d.accept).toEqual(beijing('2026-11-27T20:00'));
    expect(d.reply).toEqual(beijing('2026-11-27T20:00'));
    expect(deadlineFor('accept', beijing('2026-11-27T15:00'), policy({ acceptMinutes: 30 }), 'dispute')).toEqual(beijing('2026-11-27T15:30'));
  });

  it('warns at 75% of the way', () => {
    expect(warningAt(beijing('2026-11-27T15:00'), beijing('2026-11-27T19:00'))).toEqual(beijing('2026-11-27T18:00'));
  });
});
