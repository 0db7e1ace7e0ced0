import { describe, expect, it } from 'vitest';
import { FloodGuard } from '../../../src/channels/flood-guard.js';
import { MemoryRateBuckets } from '../../../src/ports/rate-buckets.js';

describe('FloodGuard', () => {
  it('passes a burst, warns once past it, drops the rest, and lets the person back in time', async () => {
    let now = 0;
    const g = new FloodGuard({ burst: 3, perMinute: 6 }, new MemoryRateBuckets(() => now));
    const verdicts = [];
    for (let i = 0; i < 3; i++) verdicts.push(await g.check('u'));
    expect(verdicts).toEqual(['pass', 'pass', 'pass']);
    expect(await g.check('u')).toBe('warn');
    expect(await g.check('u')).toBe('drop');
    expect(await g.check('v')).toBe('pass');
    now += 10_000;
    expect(await g.check('u')).toBe('pass');
    // Flooding again within the minute: dropped without a second warning; a minute on, warned again.
    expect(await g.check('u')).toBe('drop');
    now += 60_000;
    for (let i = 0; i < 3; i++) await g.check('u');
    expect(await g.check('u')).toBe('warn');
  });

  it('is one limit for two guards drawing on the same buckets (two processes on one bot)', async () => {
    let now = 0;
    const shared = new MemoryRateBuckets(() => now);
    const a = new FloodGuard({ burst: 4, perMinute: 6 }, shared, 'telegram:1');
    const b = new FloodGuard({ burst: 4, perMinute: 6 }, shared, 'telegram:1');
    const verdicts = [];
    for (let i = 0; i < 6; i++) verdicts.push(await (i % 2 ? a : b).check('u'));
    expect(verdicts).toEqual(['pass', 'pass', 'pass', 'pass', 'warn', 'drop']);
  });

  it('counts a delivery once however often the platform sends it again', async () => {
    let now = 0;
    const g = new FloodGuard({ burst: 3, perMinute: 6 }, new MemoryRateBuckets(() => now));
    // Update 7 refused twenty-five times (the database was away): one slot spent, still passing.
    for (let i = 0; i < 25; i++) expect(await g.check('u', '7', now)).toBe('pass');
    expect(await g.check('u', '8', now)).toBe('pass');
    expect(await g.check('u', '9', now)).toBe('pass');
    expect(await g.check('u', '10', now)).toBe('warn');
    // Delivered again, the warned update is warned again (its notice may not have been queued).
    expect(await g.check('u', '10', now)).toBe('warn');
    expect(await g.check('u', '11', now)).toBe('drop');
    expect(await g.check('u', '11', now)).toBe('drop');
  });
});
