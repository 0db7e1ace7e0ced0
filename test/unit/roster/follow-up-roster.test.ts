// The roster's `follow_up` (回访): per node, each field inherited down the tree; where nothing says
// otherwise, 3 days after settlement, for matters not rated or rated 不满意, asking the villager.
import { describe, expect, it } from 'vitest';
import { followUpPolicy } from '../../../src/domain/index.js';
import { parseRoster, RosterError } from '../../../src/roster/parse-roster.js';
import { flattenGrid } from '../../../src/roster/roster-schema.js';

const roster = (top: string, village = '') => `grid:
  code: huze
  name: 湖泽镇
  level: township
  ${top}
  children:
    - code: shuichuan
      name: 水川村
      level: village
      ${village}
`;

describe('follow_up in the roster', () => {
  it('is inherited field by field, and the defaults hold where nothing is said', () => {
    const flat = flattenGrid(parseRoster(roster('follow_up: { days: 5, outcomes: [unrated, unsatisfied, basically_satisfied] }', 'follow_up: { ask_villager: false }'), 'r.yaml'));
    expect(flat.map((n) => [n.code, n.followUp])).toEqual([
      ['huze', { days: 5, outcomes: ['unrated', 'unsatisfied', 'basically_satisfied'], askVillager: null }],
      ['shuichuan', { days: 5, outcomes: ['unrated', 'unsatisfied', 'basically_satisfied'], askVillager: false }],
    ]);
    expect(followUpPolicy(flat[0]!.followUp)).toEqual({ days: 5, outcomes: ['unrated', 'unsatisfied', 'basically_satisfied'], askVillager: true });
    const none = flattenGrid(parseRoster(roster(''), 'r.yaml'));
    expect(none.map((n) => n.followUp)).toEqual([
      { days: null, outcomes: null, askVillager: null },
      { days: null, outcomes: null, askVillager: null },
    ]);
    // The defaults: three days, the silent and the dissatisfied (never 满意), the villager asked.
    expect(followUpPolicy(none[1]!.followUp)).toEqual({ days: 3, outcomes: ['unrated', 'unsatisfied'], askVillager: true });
  });

  it('refuses an unknown outcome or a day count out of range, naming where', () => {
    for (const bad of ['follow_up: { outcomes: [happy] }', 'follow_up: { days: 0 }', 'follow_up: { days: 2.5 }', 'follow_up: { every: 3 }']) {
      try {
        parseRoster(roster(bad), 'r.yaml');
        expect.unreachable(`parsed ${bad}`);
      } catch (err) {
        expect(err).toBeInstanceOf(RosterError);
        expect((err as RosterError).problems.map((p) => p.path).some((p) => p.startsWith('grid.follow_up'))).toBe(true);
      }
    }
  });
});
