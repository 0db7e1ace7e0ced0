import { describe, it, expect } from 'vitest';
import { chooseAssignee, type RoutingCandidate } from '../../../src/domain/routing.js';
import { mayGoOnLeave } from '../../../src/domain/roles.js';

let counter = 0;
function newCandidate(over: Partial<RoutingCandidate> = {}): RoutingCandidate {
  counter++;
  return {
    personId: `p${String(counter).padStart(3, '0')}`,
    name: `Person ${counter}`,
    role: 'officer_full',
    onLeave: false,
    reachable: true,
    openMatters: 0,
    ...over,
  };
}

function outcomes(d: ReturnType<typeof chooseAssignee>): Record<string, string> {
  return Object.fromEntries(d.considered.map((c) => [c.personId, c.outcome]));
}

describe('chooseAssignee', () => {
  it('picks the on-duty full-timer with the fewest open matters', () => {
    const busy = newCandidate({ personId: 'a', openMatters: 5 });
    const light = newCandidate({ personId: 'b', openMatters: 1 });
    const part = newCandidate({ personId: 'c', role: 'officer_part', openMatters: 0 });
    const leader = newCandidate({ personId: 'd', role: 'grid_leader', openMatters: 0 });
    const d = chooseAssignee([busy, part, leader, light]);
    expect(d).toMatchObject({ assigneeId: 'b', level: 'unit', rule: 'full_time_on_duty' });
    expect(outcomes(d)).toEqual({ a: 'more_open_matters', b: 'chosen', c: 'not_needed', d: 'not_needed' });
  });

  it('skips full-timers on leave or unreachable', () => {
    const away = newCandidate({ personId: 'a', onLeave: true, openMatters: 0 });
    const offline = newCandidate({ personId: 'b', reachable: false, openMatters: 0 });
    const busy = newCandidate({ personId: 'c', openMatters: 9 });
    const d = chooseAssignee([away, offline, busy]);
    expect(d.assigneeId).toBe('c');
    expect(outcomes(d)).toEqual({ a: 'on_leave', b: 'unreachable', c: 'chosen' });
  });

  it('reports on_leave when someone is both on leave and unreachable', () => {
    const d = chooseAssignee([newCandidate({ personId: 'a', onLeave: true, reachable: false })]);
    expect(outcomes(d)).toEqual({ a: 'on_leave' });
  });

  it('falls back to the least-loaded on-duty part-timer', () => {
    const d = chooseAssignee([
      newCandidate({ personId: 'f', onLeave: true }),
      newCandidate({ personId: 'p1', role: 'officer_part', openMatters: 3 }),
      newCandidate({ personId: 'p2', role: 'officer_part', openMatters: 2 }),
      newCandidate({ personId: 'p3', role: 'officer_part', openMatters: 0, onLeave: true }),
      newCandidate({ personId: 'g', role: 'grid_leader' }),
    ]);
    expect(d).toMatchObject({ assigneeId: 'p2', level: 'unit', rule: 'part_time_backup' });
    expect(outcomes(d)).toEqual({ f: 'on_leave', p1: 'more_open_matters', p2: 'chosen', p3: 'on_leave', g: 'not_needed' });
  });

  it('falls back to the village grid leader with the fewest open matters, skipping one on leave', () => {
    const d = chooseAssignee([
      newCandidate({ personId: 'f', onLeave: true }),
      newCandidate({ personId: 'p', role: 'officer_part', reachable: false }),
      newCandidate({ personId: 'g1', role: 'grid_leader', openMatters: 0, onLeave: true }),
      newCandidate({ personId: 'g2', role: 'grid_leader', openMatters: 4 }),
      newCandidate({ personId: 'g3', role: 'grid_leader', openMatters: 2 }),
    ]);
    expect(d).toMatchObject({ assigneeId: 'g3', level: 'village', rule: 'grid_leader' });
    expect(outcomes(d)).toEqual({ f: 'on_leave', p: 'unreachable', g1: 'on_leave', g2: 'more_open_matters', g3: 'chosen' });
  });

  it('returns nobody at village level when everyone is on leave', () => {
    const all = [
      newCandidate({ onLeave: true }),
      newCandidate({ role: 'officer_part', onLeave: true }),
      newCandidate({ role: 'grid_leader', onLeave: true }),
    ];
    const d = chooseAssignee(all);
    expect(d).toMatchObject({ assigneeId: null, level: 'village', rule: 'nobody' });
    expect(d.considered.map((c) => c.outcome)).toEqual(['on_leave', 'on_leave', 'on_leave']);
  });

  it('returns nobody for no candidates at all', () => {
    expect(chooseAssignee([])).toEqual({ assigneeId: null, level: 'village', rule: 'nobody', considered: [] });
  });

  it('gives a tie in open matters to whoever routing handed a matter to longest ago, never counting as longest', () => {
    const recent = newCandidate({ personId: 'a', code: 'p-a', lastAssignedAt: '2026-11-30T05:00:00.000Z' });
    const earlier = newCandidate({ personId: 'b', code: 'p-b', lastAssignedAt: '2026-11-29T05:00:00.000Z' });
    const d = chooseAssignee([recent, earlier]);
    expect(d.assigneeId).toBe('b');
    expect(outcomes(d)).toEqual({ a: 'assigned_more_recently', b: 'chosen' });
    const newcomer = newCandidate({ personId: 'c', code: 'p-z', lastAssignedAt: null });
    const d2 = chooseAssignee([recent, earlier, newcomer]);
    expect(d2.assigneeId).toBe('c');
    expect(outcomes(d2)).toEqual({ a: 'assigned_more_recently', b: 'assigned_more_recently', c: 'chosen' });
    expect(d2.considered.find((c) => c.personId === 'b')).toMatchObject({ lastAssignedAt: '2026-11-29T05:00:00.000Z', code: 'p-b' });
  });

  it('then goes by roster code, not by the random id, and says so', () => {
    const li = newCandidate({ personId: 'ffff', code: 'p-li', openMatters: 0 });
    const wang = newCandidate({ personId: '0000', code: 'p-wang', openMatters: 0 });
    const d = chooseAssignee([wang, li]);
    expect(d.assigneeId).toBe('ffff');
    expect(outcomes(d)).toEqual({ ffff: 'chosen', '0000': 'later_in_roster' });
  });

  it('still says "more open matters" only when the loser has more', () => {
    const d = chooseAssignee([newCandidate({ personId: 'a', code: 'p-a', openMatters: 1 }), newCandidate({ personId: 'b', code: 'p-b', openMatters: 2, lastAssignedAt: null })]);
    expect(outcomes(d)).toEqual({ a: 'chosen', b: 'more_open_matters' });
  });

  it('breaks ties by personId, whatever the input order', () => {
    const x = newCandidate({ personId: 'x', openMatters: 2 });
    const m = newCandidate({ personId: 'm', openMatters: 2 });
    const z = newCandidate({ personId: 'z', openMatters: 2 });
    expect(chooseAssignee([x, m, z]).assigneeId).toBe('m');
    expect(chooseAssignee([z, x, m]).assigneeId).toBe('m');
    expect(chooseAssignee([z, x, m]).considered).toEqual(chooseAssignee([m, z, x]).considered);
  });

  it('lists every candidate exactly once, officers before the grid leader', () => {
    const cands = [
      newCandidate({ role: 'grid_leader' }),
      newCandidate({ role: 'officer_part', openMatters: 1 }),
      newCandidate({ openMatters: 3, onLeave: true }),
      newCandidate({ openMatters: 7 }),
      newCandidate({ role: 'officer_part', reachable: false }),
      newCandidate({ openMatters: 7 }),
    ];
    const d = chooseAssignee(cands);
    expect(d.considered.map((c) => c.personId).sort()).toEqual(cands.map((c) => c.personId).sort());
    expect(d.considered.filter((c) => c.outcome === 'chosen')).toHaveLength(1);
    expect(d.considered.map((c) => c.role)).toEqual([
      'officer_full',
      'officer_full',
      'officer_full',
      'officer_part',
      'officer_part',
      'grid_leader',
    ]);
    for (const c of d.considered) {
      const src = cands.find((k) => k.personId === c.personId)!;
      expect(c).toMatchObject({ name: src.name, openMatters: src.openMatters });
    }
  });

  it('does not mutate its input', () => {
    const cands = [newCandidate({ openMatters: 3 }), newCandidate({ openMatters: 1 })];
    const copy = structuredClone(cands);
    chooseAssignee(cands);
    expect(cands).toEqual(copy);
  });
});

describe('mayGoOnLeave', () => {
  it('lets officers, grid leaders and cadres go on leave, not villagers or liaisons', () => {
    expect(mayGoOnLeave(['officer_full'])).toBe(true);
    expect(mayGoOnLeave(['villager', 'officer_part'])).toBe(true);
    expect(mayGoOnLeave(['grid_leader'])).toBe(true);
    expect(mayGoOnLeave(['cadre'])).toBe(true);
    expect(mayGoOnLeave(['villager'])).toBe(false);
    expect(mayGoOnLeave(['household_head', 'liaison'])).toBe(false);
    expect(mayGoOnLeave([])).toBe(false);
  });
});
