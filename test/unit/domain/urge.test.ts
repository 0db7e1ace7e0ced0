// 催办 once per reply period.
import { describe, expect, it } from 'vitest';
import { mayUrge, nextUrgeAt } from '../../../src/domain/index.js';

const last = new Date('2026-11-27T02:00:00Z');
const minutes = (n: number) => new Date(last.getTime() + n * 60_000);

describe('mayUrge', () => {
  it('lets a villager who never urged urge at once', () => {
    expect(mayUrge(null, last, 240)).toEqual({ ok: true });
    expect(nextUrgeAt(null, 240)).toBeNull();
  });

  it('refuses a second urge inside the reply period and says when the next may come', () => {
    expect(mayUrge(last, minutes(239), 240)).toEqual({ ok: false, retryAt: minutes(240) });
    expect(mayUrge(last, new Date(minutes(240).getTime() - 1), 240).ok).toBe(false);
  });

  it('allows the next urge exactly at the end of the period', () => {
    expect(mayUrge(last, minutes(240), 240)).toEqual({ ok: true });
    expect(mayUrge(last, minutes(241), 240)).toEqual({ ok: true });
  });

  it('follows the period it is given (a shorter reply limit means a sooner urge)', () => {
    expect(mayUrge(last, minutes(60), 30).ok).toBe(true);
    expect(mayUrge(last, minutes(60), 120).ok).toBe(false);
  });
});
