import { describe, expect, it } from 'vitest';
import { climbReasonKey, coveringLimit, dueTimers, holderAfterClimb, isAway, isDepartmentRating, keepsHelping, mayRateDepartment, type LimitDue, type TickClock } from '../../../src/domain/climb-rules.js';

const at = (hhmm: string) => new Date(`2026-11-27T${hhmm}:00+08:00`);

describe('holderAfterClimb', () => {
  it('leaves a matter with its officer when a limit passes', () => {
    expect(holderAfterClimb({ cause: 'timer', holder: 'officer', holderAway: false, responsible: 'leader' })).toBe('officer');
  });

  it('gives it to the level’s responsible person when the officer is away', () => {
    expect(holderAfterClimb({ cause: 'timer', holder: 'officer', holderAway: true, responsible: 'leader' })).toBe('leader');
    expect(holderAfterClimb({ cause: 'timer', holder: null, holderAway: true, responsible: 'leader' })).toBe('leader');
  });

  it('hands it up on 上报 by hand', () => {
    expect(holderAfterClimb({ cause: 'hand', holder: 'officer', holderAway: false, responsible: 'leader' })).toBe('leader');
  });

  it('never orphans it: with nobody responsible above, the holder keeps it', () => {
    expect(holderAfterClimb({ cause: 'hand', holder: 'officer', holderAway: false, responsible: null })).toBe('officer');
    expect(holderAfterClimb({ cause: 'timer', holder: 'officer', holderAway: true, responsible: null })).toBe('officer');
  });
});

describe('isAway', () => {
  it('is on leave or unreachable', () => {
    expect(isAway({ onLeave: false, reachable: true })).toBe(false);
    expect(isAway({ onLeave: true, reachable: true })).toBe(true);
    expect(isAway({ onLeave: false, reachable: false })).toBe(true);
    expect(isAway(undefined)).toBe(true);
  });
});

describe('keepsHelping', () => {
  it('keeps a holder relieved by a climb or a cadre helping, not one who passed it on', () => {
    expect(keepsHelping({ action: 'escalate', actorId: null, previousHolder: 'o', nextHolder: 'l' })).toBe(true);
    expect(keepsHelping({ action: 'escalate', actorId: 'o', previousHolder: 'o', nextHolder: 'l' })).toBe(true);
    expect(keepsHelping({ action: 'transfer', actorId: 'cadre', previousHolder: 'o', nextHolder: 'cadre' })).toBe(true);
    expect(keepsHelping({ action: 'transfer', actorId: 'o', previousHolder: 'o', nextHolder: 'o2' })).toBe(false);
    expect(keepsHelping({ action: 'escalate', actorId: null, previousHolder: 'o', nextHolder: 'o' })).toBe(false);
    expect(keepsHelping({ action: 'transfer', actorId: 'cadre', previousHolder: null, nextHolder: 'cadre' })).toBe(false);
  });
});

describe('coveringLimit', () => {
  const running = (kind: LimitDue['kind'], hhmm: string, status = 'running'): LimitDue => ({ kind, status, dueAt: at(hhmm) });

  it('lets the settle limit cover a reply limit capped at the same evening cut-off', () => {
    const clocks = [running('reply', '20:00'), running('settle', '20:00')];
    expect(coveringLimit('reply', clocks)).toBe('settle');
    expect(coveringLimit('settle', clocks)).toBeNull();
  });

  it('covers by the latest limit when all three fall due together', () => {
    expect(coveringLimit('accept', [running('accept', '20:00'), running('reply', '20:00'), running('settle', '20:00')])).toBe('settle');
  });

  it('leaves an earlier limit its own warning and climb', () => {
    expect(coveringLimit('reply', [running('reply', '17:00'), running('settle', '20:00')])).toBeNull();
  });

  it('is not covered by a clock that does not run', () => {
    expect(coveringLimit('reply', [running('reply', '20:00'), running('settle', '20:00', 'paused')])).toBeNull();
    expect(coveringLimit('reply', [running('settle', '20:00')])).toBeNull();
  });
});

describe('climbReasonKey', () => {
  it('gives one reason per climb', () => {
    expect(climbReasonKey({ kind: 'missed', limit: 'settle', dispute: true })).toBe('ladder:reason.dispute');
    expect(climbReasonKey({ kind: 'missed', limit: 'reply', dispute: true })).toBe('ladder:reason.reply');
    expect(climbReasonKey({ kind: 'missed', limit: 'accept', dispute: false })).toBe('ladder:reason.accept');
    expect(climbReasonKey({ kind: 'hand', by: '李冬梅', note: '需要村里协调' })).toBe('ladder:reason.hand');
    expect(climbReasonKey({ kind: 'hand', by: '李冬梅', note: '' })).toBe('ladder:reason.hand_no_note');
  });
});

describe('mayRateDepartment', () => {
  it('lets the holder, the whistler or the township rate, and nobody else', () => {
    expect(mayRateDepartment({ holder: true, whistler: false, townshipCadre: false })).toBe(true);
    expect(mayRateDepartment({ holder: false, whistler: true, townshipCadre: false })).toBe(true);
    expect(mayRateDepartment({ holder: false, whistler: false, townshipCadre: true })).toBe(true);
    expect(mayRateDepartment({ holder: false, whistler: false, townshipCadre: false })).toBe(false);
  });

  it('takes whole ratings from 1 to 5', () => {
    expect([0, 1, 3, 5, 6, 2.5].map(isDepartmentRating)).toEqual([false, true, true, true, false, false]);
  });
});

describe('dueTimers', () => {
  const at = (hhmm: string) => new Date(`2026-11-27T${hhmm}:00+08:00`);
  const clock = (kind: TickClock['kind'], warnAt: string, dueAt: string, more: Partial<TickClock> = {}): TickClock => ({ kind, status: 'running', warnAt: at(warnAt), dueAt: at(dueAt), warnedAt: null, ...more });

  it('takes a warning when its time came and the limit when it passed, nothing before', () => {
    const clocks = [clock('accept', '10:30', '11:00'), clock('settle', '20:00', '22:00')];
    expect(dueTimers(clocks, at('10:29'))).toEqual([]);
    expect(dueTimers(clocks, at('10:30'))).toEqual([{ kind: 'accept', phase: 'warn', quiet: false }]);
    // A warning not given in time still goes out, with the miss.
    expect(dueTimers(clocks, at('11:00'))).toEqual([
      { kind: 'accept', phase: 'warn', quiet: false },
      { kind: 'accept', phase: 'due', quiet: false },
    ]);
  });

  it('skips a warning already given, a clock not running, and a warning that would come with its limit', () => {
    expect(dueTimers([clock('accept', '10:30', '11:00', { warnedAt: at('10:30') })], at('11:00'))).toEqual([{ kind: 'accept', phase: 'due', quiet: false }]);
    expect(dueTimers([clock('accept', '10:30', '11:00', { status: 'fired' }), clock('reply', '10:30', '11:00', { status: 'paused' })], at('12:00'))).toEqual([]);
    expect(dueTimers([clock('accept', '11:00', '11:00')], at('11:00'))).toEqual([{ kind: 'accept', phase: 'due', quiet: false }]);
  });

  it('keeps a limit another covers quiet: only the covering one warns and climbs', () => {
    const clocks = [clock('reply', '19:30', '20:00'), clock('settle', '19:00', '20:00')];
    expect(dueTimers(clocks, at('20:00'))).toEqual([
      { kind: 'reply', phase: 'warn', quiet: true },
      { kind: 'reply', phase: 'due', quiet: true },
      { kind: 'settle', phase: 'warn', quiet: false },
      { kind: 'settle', phase: 'due', quiet: false },
    ]);
  });
});
