import { describe, expect, it } from 'vitest';
import { FloodGuard } from '../../../src/channels/flood-guard.js';

describe('FloodGuard', () => {
  it('passes a burst, warns once past it, drops the rest, and lets the person back in time', () => {
    let now = 0;
    const g = new FloodGuard({ burst: 3, perMinute: 6 }, () => now);
    expect([1, 2, 3].map(() => g.check('u'))).toEqual(['pass', 'pass', 'pass']);
    expect(g.check('u')).toBe('warn');
    expect(g.check('u')).toBe('drop');
    expect(g.check('v')).toBe('pass');
    now += 10_000;
    expect(g.check('u')).toBe('pass');
  });
});
