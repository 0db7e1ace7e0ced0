// The roster's `phone_access`: which roles held at a node take villagers' phones in its ledger file.
import { describe, expect, it } from 'vitest';
import { parseRoster, RosterError } from '../../../src/roster/parse-roster.js';
import { flattenGrid } from '../../../src/roster/roster-schema.js';

const roster = (access: string) => `grid:
  code: huze
  name: 湖泽镇
  level: township
  ${access}
  children:
    - code: shuichuan
      name: 水川村
      level: village
`;

describe('phone_access in the roster', () => {
  it('is read per node, not inherited, and absent by default', () => {
    const flat = flattenGrid(parseRoster(roster('phone_access: [cadre, grid_leader, cadre]'), 'r.yaml'));
    expect(flat.find((n) => n.code === 'huze')?.phoneRoles).toEqual(['cadre', 'grid_leader']);
    expect(flat.find((n) => n.code === 'shuichuan')?.phoneRoles).toBeNull();
    expect(flattenGrid(parseRoster(roster(''), 'r.yaml'))[0]?.phoneRoles).toBeNull();
  });

  it('refuses a role that does not exist, naming where', () => {
    try {
      parseRoster(roster('phone_access: [mayor]'), 'r.yaml');
      expect.unreachable('parsed');
    } catch (err) {
      expect(err).toBeInstanceOf(RosterError);
      expect((err as RosterError).problems.map((p) => p.path)).toContain('grid.phone_access[0]');
    }
  });
});
