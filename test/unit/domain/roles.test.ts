// Who counts as staff, officer, cadre or resident, and how the levels rank: the one place each rule lives.
import { describe, expect, it } from 'vitest';
import {
  answerableFor,
  atOrAbove,
  carerAmong,
  compareLevels,
  coversPath,
  GRID_LEVELS,
  holdsPost,
  homeOf,
  isCadre,
  isCadreOf,
  isOfficer,
  isOfficerOf,
  isResident,
  isStaff,
  levelRank,
  mayGoOnLeave,
  mayReadNodeMatters,
  patrolsAUnit,
  staffPlaces,
  titleOn,
  within,
  type GridLevel,
  type Role,
  type RolePlace,
} from '../../../src/domain/index.js';

// A small line: county > township > village V1 > units U1, U2; a second village V2 > unit U3.
const node = (id: string, level: GridLevel, parentId: string | null, path: string) => ({ id, level, parentId, path });
const county = node('C', 'county', null, 'C');
const township = node('T', 'township', 'C', 'C/T');
const v1 = node('V1', 'village', 'T', 'C/T/V1');
const u1 = node('U1', 'unit', 'V1', 'C/T/V1/U1');
const u2 = node('U2', 'unit', 'V1', 'C/T/V1/U2');
const v10 = node('V10', 'village', 'T', 'C/T/V10');
const u3 = node('U3', 'unit', 'V10', 'C/T/V10/U3');
/** The line of a matter in U1, nearest first, as the store's ancestry gives it. */
const lineU1 = [u1, v1, township, county];
const at = (role: Role, n: RolePlace['node'], title: string | null = null) => ({ role, node: n, title });

describe('isStaff and the role families', () => {
  it('counts officers (full- and part-time), grid leaders and cadres as staff; not liaisons or villagers', () => {
    expect(isStaff('officer_part')).toBe(true);
    expect(isStaff('officer_full')).toBe(true);
    expect(isStaff('grid_leader')).toBe(true);
    expect(isStaff('cadre')).toBe(true);
    expect(isStaff('liaison')).toBe(false);
    expect(isStaff('villager')).toBe(false);
    expect(isStaff('household_head')).toBe(false);
  });

  it('reads placements and role lists alike: one staff post among resident ones is enough', () => {
    expect(isStaff([at('villager', u1), at('officer_part', u1)])).toBe(true);
    expect(isStaff(['villager', 'household_head'])).toBe(false);
    expect(isStaff([])).toBe(false);
  });

  it('greets a liaison by post (holdsPost) though a liaison is not grid staff', () => {
    expect(holdsPost('liaison')).toBe(true);
    expect(holdsPost(['villager'])).toBe(false);
  });

  it('keeps officers and cadres apart', () => {
    expect(isOfficer('officer_part')).toBe(true);
    expect(isOfficer('grid_leader')).toBe(false);
    expect(isCadre('grid_leader')).toBe(true);
    expect(isCadre('officer_full')).toBe(false);
    expect(isResident('household_head')).toBe(true);
    expect(isResident('cadre')).toBe(false);
  });

  it('lets staff go on leave, not a liaison or a villager', () => {
    expect(mayGoOnLeave(['villager', 'officer_part'])).toBe(true);
    expect(mayGoOnLeave(['liaison'])).toBe(false);
    expect(mayGoOnLeave(['villager'])).toBe(false);
  });

  it('picks the staff placements out of a mixed list', () => {
    expect(staffPlaces([at('villager', u1), at('cadre', v1), at('liaison', township)]).map((p) => p.node.id)).toEqual(['V1']);
  });
});

describe('levelRank', () => {
  it('ranks household < unit < village < township < county', () => {
    const sorted = [...GRID_LEVELS].sort(compareLevels);
    expect(sorted).toEqual(['household', 'unit', 'village', 'township', 'county']);
    expect(levelRank('unit')).toBe(0);
    expect(levelRank('county')).toBeGreaterThan(levelRank('township'));
  });

  it('counts a level as at or above itself, and never a lower one', () => {
    expect(atOrAbove('village', 'village')).toBe(true);
    expect(atOrAbove('township', 'village')).toBe(true);
    expect(atOrAbove('unit', 'village')).toBe(false);
    expect(atOrAbove('household', 'unit')).toBe(false);
  });
});

describe('isCadreOf', () => {
  it('counts a cadre of a parent node in the line', () => {
    expect(isCadreOf([at('grid_leader', v1)], lineU1, 'unit')).toBe(true);
    expect(isCadreOf([at('cadre', township)], lineU1, 'village')).toBe(true);
  });

  it('does not count a cadre of another village, however high the matter sits', () => {
    expect(isCadreOf([at('grid_leader', v10)], lineU1, 'unit')).toBe(false);
  });

  it('does not count a cadre below the level the matter sits at', () => {
    // A matter escalated to the township is beyond the village's grid leader.
    expect(isCadreOf([at('grid_leader', v1)], lineU1, 'township')).toBe(false);
    expect(isCadreOf([at('grid_leader', township)], lineU1, 'township')).toBe(true);
  });

  it('does not count an officer of the grid itself as its cadre', () => {
    expect(isCadreOf([at('officer_full', u1)], lineU1, 'unit')).toBe(false);
  });
});

describe('mayReadNodeMatters (查看清单 of a sweep)', () => {
  const lineT = [township, county];
  it('lets a cadre of the node or above read its list', () => {
    expect(mayReadNodeMatters([at('grid_leader', township)], lineT)).toBe(true);
    expect(mayReadNodeMatters([at('cadre', county)], lineT)).toBe(true);
    expect(mayReadNodeMatters([at('cadre', v1)], [v1, township, county])).toBe(true);
  });

  it('refuses a village cadre the township’s list, an officer, a villager, and an empty line', () => {
    expect(mayReadNodeMatters([at('grid_leader', v1)], lineT)).toBe(false);
    expect(mayReadNodeMatters([at('cadre', v10)], [v1, township, county])).toBe(false);
    expect(mayReadNodeMatters([at('officer_full', township)], lineT)).toBe(false);
    expect(mayReadNodeMatters([at('villager', u1)], lineT)).toBe(false);
    expect(mayReadNodeMatters([at('cadre', township)], [])).toBe(false);
  });
});

describe('isOfficerOf', () => {
  it('counts a part-time officer of the very grid, not one of the neighbouring grid or a cadre there', () => {
    expect(isOfficerOf([at('officer_part', u1)], 'U1')).toBe(true);
    expect(isOfficerOf([at('officer_part', u2)], 'U1')).toBe(false);
    expect(isOfficerOf([at('grid_leader', u1)], 'U1')).toBe(false);
  });
});

describe('coverage of the tree', () => {
  it('covers a node at or under the staff post, not a sibling whose code merely starts the same', () => {
    expect(within('C/T/V1/U1', 'C/T/V1')).toBe(true);
    expect(within('C/T/V1', 'C/T/V1')).toBe(true);
    expect(within('C/T/V10/U3', 'C/T/V1')).toBe(false);
    expect(coversPath([at('officer_full', v1)], u3.path)).toBe(false);
    expect(coversPath([at('cadre', township)], u3.path)).toBe(true);
  });

  it('gives no coverage to a liaison or a villager, wherever they sit', () => {
    expect(coversPath([at('liaison', county)], u1.path)).toBe(false);
    expect(coversPath([at('villager', u1)], u1.path)).toBe(false);
  });

  it('finds a villager home at a unit, and staff who patrol a unit', () => {
    expect(homeOf([at('cadre', v1), at('villager', u2)])?.node.id).toBe('U2');
    expect(homeOf([at('villager', v1)])).toBeUndefined();
    expect(patrolsAUnit([at('officer_part', u1)])).toBe(true);
    expect(patrolsAUnit([at('cadre', v1), at('villager', u1)])).toBe(false);
  });

  it('signs with the post held in the matter\'s line before any other title', () => {
    expect(titleOn([at('cadre', v10, '水川村书记'), at('grid_leader', v1, '第一村网格长')], lineU1)).toBe('第一村网格长');
    expect(titleOn([at('cadre', v10, '水川村书记')], lineU1)).toBe('水川村书记');
    expect(titleOn([at('villager', u1)], lineU1)).toBe('');
  });
});

describe('who answers for a level, and who looks after a unit', () => {
  const s = (personId: string, role: Role, onLeave = false) => ({ personId, role, onLeave });

  it('puts the grid leader before a cadre, and anyone on duty before those on leave', () => {
    expect(answerableFor([s('c1', 'cadre'), s('g1', 'grid_leader')]).map((x) => x.personId)).toEqual(['g1', 'c1']);
    expect(answerableFor([s('g1', 'grid_leader', true), s('c1', 'cadre')]).map((x) => x.personId)).toEqual(['c1', 'g1']);
  });

  it('names nobody on duty when everyone is on leave, if asked for those on duty only', () => {
    expect(answerableFor([s('g1', 'grid_leader', true)], { onDutyOnly: true })).toEqual([]);
    expect(answerableFor([s('g1', 'grid_leader', true)]).map((x) => x.personId)).toEqual(['g1']);
  });

  it('never names an officer as answering for a level', () => {
    expect(answerableFor([s('o1', 'officer_full')])).toEqual([]);
  });

  it('tells a villager of the full-time officer on duty, else a part-timer on duty, else whoever is listed', () => {
    expect(carerAmong([s('p1', 'officer_part'), s('f1', 'officer_full')])?.personId).toBe('f1');
    expect(carerAmong([s('f1', 'officer_full', true), s('p1', 'officer_part')])?.personId).toBe('p1');
    expect(carerAmong([s('f1', 'officer_full', true), s('p1', 'officer_part', true)])?.personId).toBe('f1');
    expect(carerAmong([])).toBeUndefined();
  });
});
