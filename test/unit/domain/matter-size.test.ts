// 小事不出村，大事不出镇: what a matter starts as, what makes it urgent, and who may mark it.
import { describe, expect, it } from 'vitest';
import { climb, decide, DEFAULT_MATTER_DEFAULTS, isUrgent, ladderTop, mayBeUrgent, startingPoint, type MatterDefaultRule } from '../../../src/domain/index.js';

describe('urgency', () => {
  it('is a hazard with someone in danger now, and nothing else', () => {
    expect(isUrgent('hazard', true)).toBe(true);
    expect(isUrgent('hazard', false)).toBe(false);
    expect(isUrgent('hazard', undefined)).toBe(false);
    expect(isUrgent('dispute', true)).toBe(false);
    expect(isUrgent('help', true)).toBe(false);
  });

  it('is asked about for a hazard only (the report flow asks "anyone in danger now?" then)', () => {
    expect(mayBeUrgent('hazard')).toBe(true);
    expect(['consult', 'help', 'complaint', 'dispute', 'other'].filter((c) => mayBeUrgent(c as 'help'))).toEqual([]);
  });
});

describe('starting size and topic', () => {
  it('by default: a hazard with danger to life starts big under safety; the rest small', () => {
    expect(startingPoint(DEFAULT_MATTER_DEFAULTS, { category: 'hazard', urgent: true })).toEqual({ size: 'big', topic: 'safety' });
    expect(startingPoint(DEFAULT_MATTER_DEFAULTS, { category: 'hazard', urgent: false })).toEqual({ size: 'small', topic: 'safety' });
    expect(startingPoint(DEFAULT_MATTER_DEFAULTS, { category: 'help', urgent: false })).toEqual({ size: 'small', topic: 'general' });
    expect(startingPoint([], { category: 'dispute', urgent: false })).toEqual({ size: 'small', topic: 'general' });
  });

  it('the roster\'s rows come after the defaults and win ties; category outranks urgency', () => {
    const roster: MatterDefaultRule[] = [
      ...DEFAULT_MATTER_DEFAULTS,
      { category: 'dispute', topic: 'petition' },
      { category: '*', urgent: true, size: 'small' },
      { category: 'complaint', size: 'big' },
    ];
    expect(startingPoint(roster, { category: 'dispute', urgent: false })).toEqual({ size: 'small', topic: 'petition' });
    expect(startingPoint(roster, { category: 'complaint', urgent: false })).toEqual({ size: 'big', topic: 'general' });
    // hazard+urgent (category and urgency) beats '*'+urgent
    expect(startingPoint(roster, { category: 'hazard', urgent: true })).toEqual({ size: 'big', topic: 'safety' });
    // a later roster row of the same weight wins
    expect(startingPoint([...roster, { category: 'hazard', urgent: true, size: 'small' }], { category: 'hazard', urgent: true }).size).toBe('small');
  });
});

describe('marking a matter big or small', () => {
  const worked = { step: 'handle' as const, state: 'open' as const };
  it('is for the holder or a cadre above it, at accept or while it is worked', () => {
    for (const action of ['mark_size', 'set_topic'] as const) {
      expect(decide(worked, action, ['assignee']).ok).toBe(true);
      expect(decide(worked, action, ['cadre_above']).ok).toBe(true);
      expect(decide({ step: 'accept', state: 'open' }, action, ['cadre_above']).ok).toBe(true);
      expect(decide(worked, action, ['reporter'])).toEqual({ ok: false, code: 'not_permitted' });
      expect(decide(worked, action, ['grid_officer'])).toEqual({ ok: false, code: 'not_permitted' });
      expect(decide({ step: 'feedback', state: 'settled' }, action, ['assignee'])).toEqual({ ok: false, code: 'not_now' });
    }
  });

  it('moves the ladder\'s top: a big matter climbs to the township, a small one stops at the village', () => {
    expect(ladderTop('big')).toBe('township');
    expect(climb('big', 'village')).toEqual({ to: 'township', alert: 'township' });
    expect(climb('small', 'village')).toEqual({ to: null, alert: 'township' });
  });

  it('the villager\'s words are for staff who ask, never for the villager\'s neighbours', () => {
    expect(decide(worked, 'view', ['cadre_above']).ok).toBe(true);
    expect(decide({ step: 'evaluate', state: 'closed' }, 'view', ['assignee']).ok).toBe(true);
    expect(decide(worked, 'view', ['reporter']).ok).toBe(false);
    expect(decide(worked, 'view', [])).toEqual({ ok: false, code: 'not_permitted' });
  });
});
