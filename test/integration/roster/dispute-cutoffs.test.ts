// 纠纷不过夜 as roster data: a cut-off for the roster, overridden per node, inherited down the tree,
// checked with line numbers and imported idempotently.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importRoster } from '../../../src/roster/import-roster.js';
import { parseRoster, RosterError } from '../../../src/roster/parse-roster.js';
import { flattenGrid } from '../../../src/roster/roster-schema.js';
import { disputeCutoffs, gridNodes } from '../../../src/store/schema.js';
import { openTestStore, type TestStore } from '../../support/store.js';

const roster = (top: string, village: string) => `${top}
grid:
  code: huze
  name: 湖泽镇
  level: township
  children:
    - code: shuichuan
      name: 水川村
      level: village
${village}      children:
        - { code: shuichuan-g03, name: 第三组, level: unit }
    - code: xiafang
      name: 下坊村
      level: village
`;

describe('dispute cut-offs in the roster', () => {
  let store: TestStore;
  beforeAll(async () => {
    store = await openTestStore('postgres');
  });
  afterAll(async () => {
    await store?.close();
  });

  it('inherits the roster cut-off and lets a node set its own', () => {
    const r = parseRoster(roster('dispute_cutoff: { evening: "20:00", morning: "09:00" }', '      dispute_cutoff: { evening: "21:00", morning: "08:00" }\n'), 'r.yaml');
    const byCode = new Map(flattenGrid(r).map((n) => [n.code, n.disputeCutoff]));
    expect(byCode.get('huze')).toEqual({ evening: '20:00', morning: '09:00' });
    expect(byCode.get('shuichuan-g03')).toEqual({ evening: '21:00', morning: '08:00' });
    expect(byCode.get('xiafang')).toEqual({ evening: '20:00', morning: '09:00' });
    expect(flattenGrid(parseRoster(roster('', ''), 'r.yaml')).every((n) => n.disputeCutoff === null)).toBe(true);
  });

  it('refuses a cut-off that makes no sense, naming the line', () => {
    const text = roster('', '      dispute_cutoff: { evening: "08:00", morning: "09:00" }\n');
    try {
      parseRoster(text, 'r.yaml');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(RosterError);
      const [problem] = (err as RosterError).problems;
      expect(problem!.path).toContain('dispute_cutoff');
      expect(problem!.line).toBe(text.split('\n').findIndex((l) => l.includes('dispute_cutoff')) + 1);
      expect(problem!.message).toMatch(/morning must come before evening/);
    }
    expect(() => parseRoster(roster('dispute_cutoff: { evening: "8pm", morning: "09:00" }', ''), 'r.yaml')).toThrow(/HH:MM/);
  });

  it('stores one row per node, changes nothing the second time, and drops what the roster drops', async () => {
    await store.reset();
    const first = await importRoster(store.db, parseRoster(roster('', '      dispute_cutoff: { evening: "21:00", morning: "08:00" }\n'), 'r.yaml'));
    expect(first.counts.disputeCutoffs).toEqual({ created: 2, updated: 0, unchanged: 0, removed: 0 });
    const rows = await store.db.select({ code: gridNodes.code, evening: disputeCutoffs.evening }).from(disputeCutoffs).innerJoin(gridNodes, eq(gridNodes.id, disputeCutoffs.gridNodeId));
    expect(rows.map((r) => [r.code, r.evening]).sort()).toEqual([
      ['shuichuan', '21:00'],
      ['shuichuan-g03', '21:00'],
    ]);
    const again = await importRoster(store.db, parseRoster(roster('', '      dispute_cutoff: { evening: "21:00", morning: "08:00" }\n'), 'r.yaml'));
    expect(again.counts.disputeCutoffs).toEqual({ created: 0, updated: 0, unchanged: 2, removed: 0 });
    expect(again.changed).toBe(false);
    const moved = await importRoster(store.db, parseRoster(roster('dispute_cutoff: { evening: "19:30", morning: "09:00" }', ''), 'r.yaml'));
    expect(moved.counts.disputeCutoffs).toEqual({ created: 2, updated: 2, unchanged: 0, removed: 0 });
    const gone = await importRoster(store.db, parseRoster(roster('', ''), 'r.yaml'));
    expect(gone.counts.disputeCutoffs.removed).toBe(4);
    expect(await store.db.select().from(disputeCutoffs)).toEqual([]);
  });
});
