import { describe, expect, it } from 'vitest';
import { clockRuns, planClocks, type Clock, type ClockedMatter } from '../../../src/domain/deadline-clocks.js';
import { DEFAULT_DEADLINE_RULES } from '../../../src/domain/deadlines.js';
import { decide } from '../../../src/domain/lifecycle.js';
import type { TimeLimitPolicy } from '../../../src/domain/time-limits.js';

const T0 = new Date('2026-11-27T01:00:00Z'); // 09:00 in Beijing
const min = (n: number) => new Date(T0.getTime() + n * 60_000);
const POLICIES: TimeLimitPolicy[] = [
  { category: '*', size: '*', level: '*', acceptMinutes: 60, replyMinutes: 120, settleMinutes: 600 },
  { category: '*', size: '*', level: 'village', acceptMinutes: 60, replyMinutes: 120, settleMinutes: 1200 },
];

function newMatter(over: Partial<ClockedMatter> = {}): ClockedMatter {
  return {
    state: 'open',
    step: 'dispatch',
    level: 'unit',
    category: 'help',
    size: 'small',
    assigneeId: 'officer',
    createdAt: T0,
    dispatchedAt: T0,
    handledAt: null,
    trackedAt: null,
    supervisedAt: null,
    ...over,
  };
}

/** Applies a plan to the clocks, as the store would. */
function apply(clocks: Clock[], changes: ReturnType<typeof planClocks>): Clock[] {
  const out = clocks.filter((c) => !changes.some((x) => x.next.kind === c.kind));
  return [...out, ...changes.map((x) => x.next)];
}

const plan = (matter: ClockedMatter, clocks: Clock[], now: Date, extra: { restart?: boolean; pausedSince?: Date | null; policies?: TimeLimitPolicy[] } = {}) =>
  planClocks({ matter, clocks, policies: extra.policies ?? POLICIES, rules: DEFAULT_DEADLINE_RULES, now, restart: extra.restart, pausedSince: extra.pausedSince ?? null });
const byKind = (clocks: Clock[], kind: Clock['kind']) => clocks.find((c) => c.kind === kind)!;

describe('clockRuns', () => {
  it('runs accept until taken, reply until the first reply, settle while open', () => {
    expect(clockRuns('accept', newMatter())).toBe(true);
    expect(clockRuns('accept', newMatter({ step: 'handle' }))).toBe(false);
    expect(clockRuns('reply', newMatter({ step: 'handle' }))).toBe(true);
    expect(clockRuns('reply', newMatter({ step: 'track', trackedAt: T0 }))).toBe(false);
    // Escalated after the reply: the reply clock stays stopped for good.
    expect(clockRuns('reply', newMatter({ step: 'supervise', trackedAt: T0 }))).toBe(false);
    expect(clockRuns('settle', newMatter({ step: 'supervise' }))).toBe(true);
    expect(clockRuns('settle', newMatter({ step: 'feedback', state: 'settled' }))).toBe(false);
  });
});

describe('planClocks', () => {
  it('starts accept from the report and settle from arrival, each with a warning at 75%', () => {
    const changes = plan(newMatter(), [], min(1));
    expect(changes.map((c) => [c.next.kind, c.schedule, c.next.version])).toEqual([
      ['accept', ['warn', 'due'], 1],
      ['settle', ['warn', 'due'], 1],
    ]);
    const accept = changes[0]!.next;
    expect(accept.startedAt).toEqual(T0);
    expect(accept.dueAt).toEqual(min(60));
    expect(accept.warnAt).toEqual(min(45));
    expect(changes[1]!.next.dueAt).toEqual(min(600));
  });

  it('changes nothing when nothing changed, so a second pass schedules nothing', () => {
    const clocks = apply([], plan(newMatter(), [], min(1)));
    expect(plan(newMatter(), clocks, min(5))).toEqual([]);
    // A step that keeps the same clocks running (handle → track keeps settle) is no change either.
    const taken = apply(clocks, plan(newMatter({ step: 'handle', handledAt: min(5) }), clocks, min(5)));
    expect(plan(newMatter({ step: 'supervise', handledAt: min(5) }), taken, min(6))).toEqual([]);
  });

  it('stops accept when taken and starts reply; a reply stops reply for good', () => {
    const clocks = apply([], plan(newMatter(), [], min(1)));
    const taken = plan(newMatter({ step: 'handle', handledAt: min(10) }), clocks, min(10));
    expect(taken.map((c) => [c.next.kind, c.next.status, c.supersedes, c.schedule])).toEqual([
      ['accept', 'stopped', 1, []],
      ['reply', 'running', null, ['warn', 'due']],
    ]);
    expect(byKind(taken.map((c) => c.next), 'reply').dueAt).toEqual(min(130));
    const afterTake = apply(clocks, taken);
    const replied = plan(newMatter({ step: 'track', handledAt: min(10), trackedAt: min(20) }), afterTake, min(20));
    expect(replied.map((c) => [c.next.kind, c.next.status])).toEqual([['reply', 'stopped']]);
    // The villager writes again, the officer escalates: no reply clock comes back.
    const later = plan(newMatter({ step: 'supervise', level: 'village', assigneeId: 'leader', handledAt: min(10), trackedAt: min(20) }), apply(afterTake, replied), min(30), { restart: true });
    expect(later.map((c) => c.next.kind)).toEqual(['settle']);
  });

  it('starts a new round when the matter climbs to someone else, superseding the old timers', () => {
    const clocks = apply([], plan(newMatter(), [], min(1)));
    const climbed = plan(newMatter({ step: 'supervise', level: 'village', assigneeId: 'leader' }), clocks, min(61), { restart: true });
    const settle = climbed.find((c) => c.next.kind === 'settle')!;
    expect(settle.next).toMatchObject({ version: 2, startedAt: min(61), dueAt: min(61 + 1200), level: 'village', assigneeId: 'leader' });
    expect(settle.supersedes).toBe(1);
    expect(climbed.find((c) => c.next.kind === 'reply')!.next.startedAt).toEqual(min(61));
  });

  it('infers a new round from a change of hands even without restart', () => {
    const clocks = apply([], plan(newMatter({ step: 'handle', handledAt: min(1) }), [], min(1)));
    const moved = plan(newMatter({ step: 'handle', handledAt: min(1), assigneeId: 'other' }), clocks, min(30));
    expect(moved.every((c) => c.next.startedAt.getTime() === min(30).getTime())).toBe(true);
  });

  it('keeps a fired clock fired until the next round', () => {
    const clocks = apply([], plan(newMatter(), [], min(1))).map((c) => (c.kind === 'accept' ? { ...c, status: 'fired' as const, firedAt: min(60) } : c));
    expect(plan(newMatter(), clocks, min(61))).toEqual([]);
    expect(plan(newMatter(), clocks, min(61), { restart: true }).map((c) => c.next.kind)).toEqual(['accept', 'settle']);
  });

  it('pauses while the matter waits on the villager and moves the deadlines by the pause', () => {
    const m = newMatter({ step: 'handle', handledAt: T0 });
    const clocks = apply([], plan(m, [], T0));
    const paused = plan(m, clocks, min(30), { pausedSince: min(30) });
    expect(paused.map((c) => [c.next.kind, c.next.status, c.schedule, c.supersedes])).toEqual([
      ['reply', 'paused', [], 1],
      ['settle', 'paused', [], 1],
    ]);
    const resumed = plan(m, apply(clocks, paused), min(130));
    const reply = resumed.find((c) => c.next.kind === 'reply')!;
    expect(reply.next).toMatchObject({ status: 'running', pausedMs: 100 * 60_000, dueAt: min(220), warnAt: min(190), version: 3 });
    expect(reply.schedule).toEqual(['warn', 'due']);
  });

  it('takes a changed or removed policy into account without restarting the clock', () => {
    const clocks = apply([], plan(newMatter(), [], min(1)));
    const longer: TimeLimitPolicy[] = [{ category: '*', size: '*', level: '*', acceptMinutes: 180, replyMinutes: 240, settleMinutes: 600 }];
    const changes = plan(newMatter(), clocks, min(50), { policies: longer });
    expect(changes.map((c) => [c.next.kind, c.next.startedAt, c.next.dueAt, c.next.version])).toEqual([['accept', T0, min(180), 2]]);
  });

  it('tells the village at once of a dispute that came in the night, once', () => {
    const night = new Date('2026-11-27T12:30:00Z'); // 20:30 Beijing
    const m = newMatter({ category: 'dispute', createdAt: night, dispatchedAt: night });
    const first = plan(m, [], night);
    const settle = first.find((c) => c.next.kind === 'settle')!;
    expect(settle.overnight).toBe(true);
    expect(settle.next.dueAt).toEqual(new Date('2026-11-28T01:00:00Z'));
    const again = plan({ ...m, level: 'village', assigneeId: 'leader' }, apply([], first), night, { restart: true });
    expect(again.some((c) => c.overnight)).toBe(false);
  });
});

describe('pause and resume in the lifecycle', () => {
  it('lets the assignee pause a matter being handled, and the assignee or the system resume it', () => {
    for (const step of ['handle', 'track', 'supervise'] as const) {
      expect(decide({ step, state: 'open' }, 'pause', ['assignee'])).toEqual({ ok: true, step, state: 'open' });
      expect(decide({ step, state: 'open' }, 'resume', ['system'])).toEqual({ ok: true, step, state: 'open' });
    }
    expect(decide({ step: 'dispatch', state: 'open' }, 'pause', ['assignee'])).toEqual({ ok: false, code: 'not_now' });
    expect(decide({ step: 'handle', state: 'open' }, 'pause', ['reporter', 'cadre_above'])).toEqual({ ok: false, code: 'not_permitted' });
    expect(decide({ step: 'feedback', state: 'settled' }, 'resume', ['assignee'])).toEqual({ ok: false, code: 'not_now' });
  });
});
