import { describe, expect, it } from 'vitest';
import { isGroupChat, SendScheduler } from '../../../../src/channels/telegram/send-scheduler.js';

function clock() {
  let now = 1_000_000;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('SendScheduler', () => {
  it('lets a short burst through to one chat, then one message a second', () => {
    const c = clock();
    const s = new SendScheduler({}, c.now);
    expect([0, 1, 2].map(() => s.reserve('42', false))).toEqual([{ waitMs: 0 }, { waitMs: 0 }, { waitMs: 0 }]);
    expect(s.reserve('42', false)).toEqual({ waitMs: 1000 });
    expect(s.reserve('42', false)).toEqual({ waitMs: 2000 });
    // Another chat is not held up by the first.
    expect(s.reserve('43', false)).toEqual({ waitMs: 0 });
  });

  it('keeps a group to 20 messages a minute', () => {
    const c = clock();
    const s = new SendScheduler({}, c.now);
    const waits = Array.from({ length: 6 }, () => s.reserve('-100', true));
    expect(waits.map((w) => ('waitMs' in w ? w.waitMs : -1))).toEqual([0, 0, 0, 3000, 6000, 9000]);
  });

  it('keeps all chats together to 30 a second, spaced evenly: no second ever holds more than 30', () => {
    const c = clock();
    const s = new SendScheduler({}, c.now);
    expect(Array.from({ length: 60 }, (_, i) => s.reserve(String(i), false)).every((w) => 'waitMs' in w && w.waitMs === 0)).toBe(true);
    const waits = Array.from({ length: 60 }, () => s.reserveGlobal());
    expect(waits[0]).toBe(0);
    expect(waits[1]).toBe(33);
    expect(waits.filter((w) => w < 1000)).toHaveLength(30);
    expect(waits[59]).toBe(1967);
    c.advance(3000);
    expect(s.reserveGlobal()).toBe(0);
  });

  it('lets a configured burst go at once over all chats', () => {
    const c = clock();
    const s = new SendScheduler({ globalBurst: 10 }, c.now);
    const waits = Array.from({ length: 11 }, () => s.reserveGlobal());
    expect(waits.slice(0, 10).every((w) => w === 0)).toBe(true);
    expect(waits[10]).toBe(33);
  });

  it('refuses (without reserving) a wait longer than asked, and honours a pause after a 429', () => {
    const c = clock();
    const s = new SendScheduler({}, c.now);
    s.pause('42', 7000);
    expect(s.reserve('42', false, 5000)).toEqual({ refusedMs: 7000 });
    c.advance(7000);
    expect(s.reserve('42', false, 5000)).toEqual({ waitMs: 0 });
  });

  it('tells groups from private chats by the sign of the id', () => {
    expect(isGroupChat('-1001234')).toBe(true);
    expect(isGroupChat('1234')).toBe(false);
  });
});
