// The window decision: open while the person wrote within the window and fewer than its messages went since.
import { describe, expect, it } from 'vitest';
import { windowState } from '../../../src/domain/index.js';

const HOUR = 3_600_000;
const KF = { messages: 5, withinMs: 48 * HOUR };
const wrote = new Date('2026-06-03T02:00:00Z');
const after = (ms: number) => new Date(wrote.getTime() + ms);

describe('windowState', () => {
  it('is open right after the person wrote, with every message left', () => {
    expect(windowState(wrote, 0, KF, after(1000))).toEqual({ open: true, left: 5, closesAt: after(48 * HOUR) });
  });

  it('counts down with what went since, and is used up at the limit', () => {
    expect(windowState(wrote, 4, KF, after(HOUR))).toMatchObject({ open: true, left: 1 });
    expect(windowState(wrote, 5, KF, after(HOUR))).toEqual({ open: false, reason: 'used_up' });
    expect(windowState(wrote, 9, KF, after(HOUR))).toEqual({ open: false, reason: 'used_up' });
  });

  it('closes at the end of the window, whatever is left', () => {
    expect(windowState(wrote, 0, KF, after(48 * HOUR - 1))).toMatchObject({ open: true });
    expect(windowState(wrote, 0, KF, after(48 * HOUR))).toEqual({ open: false, reason: 'expired' });
    expect(windowState(wrote, 0, { messages: 5, withinMs: 24 * HOUR }, after(25 * HOUR))).toEqual({ open: false, reason: 'expired' });
  });

  it('is closed to someone who never wrote', () => {
    expect(windowState(null, 0, KF, after(0))).toEqual({ open: false, reason: 'silent' });
  });

  it('never opens longer than the window when the last message is stamped ahead of now', () => {
    const ahead = windowState(after(10 * HOUR), 0, KF, after(0));
    expect(ahead).toMatchObject({ open: true, closesAt: after(48 * HOUR) });
  });

  it('a window of no messages is never open', () => {
    expect(windowState(wrote, 0, { messages: 0, withinMs: KF.withinMs }, after(1))).toEqual({ open: false, reason: 'silent' });
  });
});
