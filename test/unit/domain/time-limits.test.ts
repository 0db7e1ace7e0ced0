import { describe, it, expect } from 'vitest';
import {
  DEFAULT_TIME_LIMITS,
  dueAt,
  resolveTimeLimit,
  type TimeLimitPolicy,
} from '../../../src/domain/time-limits.js';
import { NoTimeLimitError, isDomainError } from '../../../src/domain/errors.js';
import { CATEGORIES, MATTER_LEVELS, SIZES } from '../../../src/domain/types.js';

function newPolicy(over: Partial<TimeLimitPolicy> = {}): TimeLimitPolicy {
  return { category: '*', size: '*', level: '*', acceptMinutes: 1, replyMinutes: 1, settleMinutes: 1, ...over };
}

describe('DEFAULT_TIME_LIMITS', () => {
  it('covers every category, size and level', () => {
    for (const category of CATEGORIES) {
      for (const size of SIZES) {
        for (const level of MATTER_LEVELS) {
          const p = resolveTimeLimit(DEFAULT_TIME_LIMITS, { category, size, level });
          expect(p.acceptMinutes).toBeGreaterThan(0);
          expect(p.replyMinutes).toBeGreaterThan(0);
          expect(p.settleMinutes).toBeGreaterThan(0);
        }
      }
    }
  });

  it('settles disputes the same day and accepts hazards within 30 minutes', () => {
    for (const size of SIZES) {
      for (const level of MATTER_LEVELS) {
        expect(resolveTimeLimit(DEFAULT_TIME_LIMITS, { category: 'dispute', size, level }).settleMinutes).toBeLessThanOrEqual(8 * 60);
        expect(resolveTimeLimit(DEFAULT_TIME_LIMITS, { category: 'hazard', size, level }).acceptMinutes).toBe(30);
      }
    }
  });

  it('uses the 2h / 4h / 3 days baseline for an ordinary small matter at the unit', () => {
    expect(resolveTimeLimit(DEFAULT_TIME_LIMITS, { category: 'help', size: 'small', level: 'unit' })).toMatchObject({
      acceptMinutes: 120,
      replyMinutes: 240,
      settleMinutes: 3 * 24 * 60,
    });
  });
});

describe('resolveTimeLimit', () => {
  const key = { category: 'dispute', size: 'big', level: 'township' } as const;

  it('prefers an exact field over a wildcard', () => {
    const wild = newPolicy({ settleMinutes: 1 });
    const level = newPolicy({ level: 'township', settleMinutes: 2 });
    expect(resolveTimeLimit([wild, level], key)).toBe(level);
    expect(resolveTimeLimit([level, wild], key)).toBe(level);
  });

  it('ranks category above size above level', () => {
    const byCategory = newPolicy({ category: 'dispute' });
    const bySizeAndLevel = newPolicy({ size: 'big', level: 'township' });
    const bySize = newPolicy({ size: 'big' });
    const byLevel = newPolicy({ level: 'township' });
    expect(resolveTimeLimit([bySizeAndLevel, byCategory, bySize, byLevel], key)).toBe(byCategory);
    expect(resolveTimeLimit([bySize, byLevel], key)).toBe(bySize);
    expect(resolveTimeLimit([byLevel, bySizeAndLevel, bySize], key)).toBe(bySizeAndLevel);
    const full = newPolicy({ category: 'dispute', size: 'big', level: 'township' });
    expect(resolveTimeLimit([full, byCategory, bySizeAndLevel], key)).toBe(full);
  });

  it('ignores rows that do not match', () => {
    const other = newPolicy({ category: 'hazard', size: 'big', level: 'township' });
    const wild = newPolicy();
    expect(resolveTimeLimit([other, wild], key)).toBe(wild);
  });

  it('lets a later row override an equally specific earlier one (roster after defaults)', () => {
    const override = newPolicy({ category: 'dispute', settleMinutes: 240 });
    const merged = [...DEFAULT_TIME_LIMITS, override];
    expect(resolveTimeLimit(merged, key)).toBe(override);
  });

  it('throws NoTimeLimitError carrying the key when nothing matches', () => {
    const policies = [newPolicy({ category: 'hazard' })];
    expect(() => resolveTimeLimit(policies, key)).toThrow(NoTimeLimitError);
    try {
      resolveTimeLimit(policies, key);
    } catch (err) {
      expect(isDomainError(err, 'no_time_limit')).toBe(true);
      expect(err instanceof NoTimeLimitError && err.key).toEqual(key);
    }
  });
});

describe('dueAt', () => {
  it('adds wall-clock minutes without touching the input', () => {
    const from = new Date('2024-03-01T23:30:00+08:00');
    expect(dueAt(from, 90).toISOString()).toBe('2024-03-01T17:00:00.000Z');
    expect(dueAt(from, 0).getTime()).toBe(from.getTime());
    expect(from.toISOString()).toBe('2024-03-01T15:30:00.000Z');
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('rejects %s minutes', (m) => {
    expect(() => dueAt(new Date(0), m)).toThrow(RangeError);
  });
});
