// Who may receive a matter by transfer: the rule the list offered and the action both call.
import { describe, expect, it } from 'vitest';
import { mayReceiveTransfer, type GridLevel, type Role } from '../../../src/domain/index.js';

const node = (id: string, level: GridLevel, parentId: string | null) => ({ id, level, parentId });
const county = node('C', 'county', null);
const township = node('T', 'township', 'C');
const v1 = node('V1', 'village', 'T');
const u1 = node('U1', 'unit', 'V1');
const u2 = node('U2', 'unit', 'V1');
const v2 = node('V2', 'village', 'T');
const u3 = node('U3', 'unit', 'V2');
const lineU1 = [u1, v1, township, county];
const person = (personId: string, ...places: Array<[Role, ReturnType<typeof node>]>) => ({ personId, places: places.map(([role, n]) => ({ role, node: n, title: null })) });
const held = { assigneeId: 'holder' };

describe('mayReceiveTransfer', () => {
  it('refuses the holder: a transfer to whoever holds it already is no transfer', () => {
    expect(mayReceiveTransfer(person('holder', ['officer_full', u1]), held, lineU1)).toEqual({ ok: false, reason: 'holder' });
  });

  it('lets a cadre above take it over by transferring it to themselves', () => {
    const r = mayReceiveTransfer(person('leader', ['grid_leader', v1]), held, lineU1);
    expect(r.ok).toBe(true);
  });

  it('accepts a part-time officer of the same grid and one of another unit grid of the same village', () => {
    expect(mayReceiveTransfer(person('p', ['officer_part', u1]), held, lineU1).ok).toBe(true);
    expect(mayReceiveTransfer(person('n', ['officer_full', u2]), held, lineU1).ok).toBe(true);
  });

  it('accepts a cadre of the township or the county above the matter', () => {
    expect(mayReceiveTransfer(person('t', ['cadre', township]), held, lineU1).ok).toBe(true);
    expect(mayReceiveTransfer(person('k', ['cadre', county]), held, lineU1).ok).toBe(true);
  });

  it('refuses an officer of another village and a grid leader of another village', () => {
    expect(mayReceiveTransfer(person('o', ['officer_full', u3]), held, lineU1)).toEqual({ ok: false, reason: 'outside_line' });
    expect(mayReceiveTransfer(person('g', ['grid_leader', v2]), held, lineU1)).toEqual({ ok: false, reason: 'outside_line' });
  });

  it('refuses a villager of the grid and a department liaison of the township', () => {
    expect(mayReceiveTransfer(person('v', ['villager', u1]), held, lineU1).ok).toBe(false);
    expect(mayReceiveTransfer(person('l', ['liaison', township]), held, lineU1).ok).toBe(false);
  });

  it('names the post that qualifies them when they hold several', () => {
    const who = { personId: 'x', places: [{ role: 'cadre' as const, node: v2, title: '水川村书记' }, { role: 'cadre' as const, node: township, title: '湖泽镇副镇长' }] };
    const r = mayReceiveTransfer(who, held, lineU1);
    expect(r.ok && r.place.title).toBe('湖泽镇副镇长');
  });

  it('accepts anyone in the line for a matter nobody holds yet', () => {
    expect(mayReceiveTransfer(person('p', ['officer_part', u1]), { assigneeId: null }, lineU1).ok).toBe(true);
  });

  it('does not look at leave: a person on leave may be chosen (the list marks them)', () => {
    // The rule has no leave input on purpose; this pins that a leave flag on the place changes nothing.
    const onLeave = { personId: 'p', places: [{ role: 'officer_full' as const, node: u1, title: null, onLeave: true }] };
    expect(mayReceiveTransfer(onLeave, held, lineU1).ok).toBe(true);
  });

  it('has no sibling grids to offer when the line has no village', () => {
    const lineT = [township, county];
    expect(mayReceiveTransfer(person('n', ['officer_full', u2]), held, lineT).ok).toBe(false);
  });
});
