// The roster's `broadcast_approval_size`: above how many recipients a notice needs a second cadre.
// Inherited down the tree; absent: the default (500).
import { describe, expect, it } from 'vitest';
import { parseRoster, RosterError } from '../../../src/roster/parse-roster.js';
import { flattenGrid } from '../../../src/roster/roster-schema.js';
import { approvalSizeOf } from '../../../src/services/broadcast-service.js';

const roster = (size: string) => `grid:
  code: huze
  name: 湖泽镇
  level: township
  ${size}
  children:
    - code: shuichuan
      name: 水川村
      level: village
`;

describe('broadcast_approval_size in the roster', () => {
  it('is inherited by the nodes below, and 500 when absent', () => {
    const flat = flattenGrid(parseRoster(roster('broadcast_approval_size: 200'), 'r.yaml'));
    expect(flat.map((n) => [n.code, n.broadcastApprovalSize])).toEqual([
      ['huze', 200],
      ['shuichuan', 200],
    ]);
    const none = flattenGrid(parseRoster(roster(''), 'r.yaml'));
    expect(none.map((n) => n.broadcastApprovalSize)).toEqual([null, null]);
    expect(approvalSizeOf({ broadcastApprovalSize: null })).toBe(500);
    expect(approvalSizeOf({ broadcastApprovalSize: 200 })).toBe(200);
  });

  it('refuses what is not a count, naming where', () => {
    try {
      parseRoster(roster('broadcast_approval_size: many'), 'r.yaml');
      expect.unreachable('parsed');
    } catch (err) {
      expect(err).toBeInstanceOf(RosterError);
      expect((err as RosterError).problems.map((p) => p.path)).toContain('grid.broadcast_approval_size');
    }
  });
});
