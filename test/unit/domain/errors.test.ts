import { describe, it, expect } from 'vitest';
import {
  DomainError,
  NoTimeLimitError,
  TransitionError,
  isDomainError,
  isTransitionError,
} from '../../../src/domain/errors.js';

describe('domain errors', () => {
  it('carry a stable code and their data', () => {
    const e = new TransitionError('not_now', 'evaluate', 'track', 'open');
    expect(e).toBeInstanceOf(DomainError);
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('TransitionError');
    expect({ code: e.code, action: e.action, step: e.step, state: e.state }).toEqual({
      code: 'not_now',
      action: 'evaluate',
      step: 'track',
      state: 'open',
    });
    const n = new NoTimeLimitError({ category: 'help', size: 'small', level: 'unit' });
    expect(n.code).toBe('no_time_limit');
    expect(n.name).toBe('NoTimeLimitError');
  });

  it('are recognised by the type guards, optionally by code', () => {
    const e = new TransitionError('not_permitted', 'settle', 'handle', 'open');
    expect(isDomainError(e)).toBe(true);
    expect(isDomainError(e, 'not_permitted')).toBe(true);
    expect(isDomainError(e, 'not_now')).toBe(false);
    expect(isTransitionError(e)).toBe(true);
    expect(isTransitionError(new DomainError('x', 'y'))).toBe(false);
    expect(isDomainError(new Error('plain'))).toBe(false);
    expect(isDomainError({ code: 'not_now' })).toBe(false);
    expect(isDomainError(undefined)).toBe(false);
  });
});
