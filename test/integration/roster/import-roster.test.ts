import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { queryRows } from '../../../src/store/raw.js';
import { parseRoster } from '../../../src/roster/parse-roster.js';
import {
  formatImportSummary,
  importRoster,
  loadRosterFile,
  RosterImportError,
  SUMMARY_KINDS,
  type ImportSummary,
} from '../../../src/roster/import-roster.js';
import { deriveJoinCode, type Roster } from '../../../src/roster/roster-schema.js';
import { openTestStore, STORE_KINDS, type TestStore } from '../../support/store.js';

const DEMO_PATH = fileURLToPath(new URL('../../../roster/demo.yaml', import.meta.url));
const DEMO_TEXT = readFileSync(DEMO_PATH, 'utf8');
const TABLES = ['grid_nodes', 'departments', 'people', 'identities', 'roles', 'time_limits', 'faq_entries'] as const;

type Dump = Record<(typeof TABLES)[number], Record<string, unknown>[]>;

const demo = (edit: (text: string) => string = (t) => t): Roster => parseRoster(edit(DEMO_TEXT), 'demo.yaml');

function writes(summary: ImportSummary): number {
  return SUMMARY_KINDS.reduce((n, k) => n + summary.counts[k].created + summary.counts[k].updated + summary.counts[k].removed, 0);
}

describe.each(STORE_KINDS)('importRoster on %s', (kind) => {
  let store: TestStore;

  async function dump(): Promise<Dump> {
    const out = {} as Dump;
    for (const t of TABLES) out[t] = await queryRows(store.db, sql.raw(`select * from gridline.${t} order by id`));
    return out;
  }

  async function one<T extends Record<string, unknown>>(query: ReturnType<typeof sql>): Promise<T> {
    const [row] = await queryRows<T>(store.db, query);
    if (!row) throw new Error('no row');
    return row;
  }

  /** Makes the FAQ step (the last one) fail inside the database for the given code. */
  async function withFaqTrap<T>(code: string, run: () => Promise<T>): Promise<T> {
    await store.db.execute(sql.raw(`alter table gridline.faq_entries add constraint faq_trap check (code <> '${code}')`));
    try {
      return await run();
    } finally {
      await store.db.execute(sql.raw('alter table gridline.faq_entries drop constraint faq_trap'));
    }
  }

  beforeAll(async () => {
    store = await openTestStore(kind);
  });
  afterAll(async () => {
    await store?.close();
  });
  beforeEach(async () => {
    await store.reset();
  });

  it('imports the demo roster, and a second import changes nothing', async () => {
    const first = await importRoster(store.db, await loadRosterFile(DEMO_PATH));
    expect(first.changed).toBe(true);
    expect(first.counts.gridNodes).toEqual({ created: 36, updated: 0, unchanged: 0, removed: 0 });
    expect(first.counts.departments.created).toBe(7);
    expect(first.counts.timeLimits.created).toBe(10);
    expect(first.counts.faq.created).toBe(6);
    expect(first.warnings).toEqual([]);
    const before = await dump();

    const second = await importRoster(store.db, await loadRosterFile(DEMO_PATH));
    expect(second.changed).toBe(false);
    expect(writes(second)).toBe(0);
    expect(second.counts.people.unchanged).toBe(first.counts.people.created);
    expect(second.counts.roles.unchanged).toBe(first.counts.roles.created);
    expect(formatImportSummary(second)).toContain('nothing changed');
    expect(await dump()).toEqual(before);
  });

  it('stores the tree with paths, join codes and the roles of 第三组', async () => {
    await importRoster(store.db, demo());
    const g03 = await one<{ id: string; path: string; join_code: string; parent_id: string; kind: string }>(
      sql`select id, path, join_code, parent_id, kind from gridline.grid_nodes where code = 'shuichuan-g03'`,
    );
    expect(g03).toMatchObject({ path: 'fenyi/huze/shuichuan/shuichuan-g03', join_code: 'SC03', kind: 'standard' });
    const village = await one<{ id: string; households: number }>(sql`select id, households from gridline.grid_nodes where code = 'shuichuan'`);
    expect(g03.parent_id).toBe(village.id);
    expect(village.households).toBe(852);
    const xiafang = await one<{ join_code: string }>(sql`select join_code from gridline.grid_nodes where code = 'xiafang-g02'`);
    expect(xiafang.join_code).toBe(deriveJoinCode('xiafang-g02'));

    const roles = await queryRows<{ code: string; role: string; title: string }>(
      store.db,
      sql`select p.code, r.role, r.title from gridline.roles r join gridline.people p on p.id = r.person_id
          where r.grid_node_id = ${g03.id} order by p.code`,
    );
    expect(roles.filter((r) => r.role === 'officer_full')).toEqual([{ code: 'p-li-dongmei', role: 'officer_full', title: '水川村第三组专职网格员' }]);
    expect(roles.filter((r) => r.role === 'officer_part').map((r) => r.code)).toEqual(['p-huang-guilan', 'p-liu-jianguo']);

    const liaison = await one<{ code: string }>(
      sql`select d.code from gridline.roles r join gridline.departments d on d.id = r.department_id
          join gridline.people p on p.id = r.person_id where p.code = 'p-luo-wenhua'`,
    );
    expect(liaison.code).toBe('county-justice');
  });

  it('updates exactly the row whose title changed', async () => {
    await importRoster(store.db, demo());
    const before = await dump();
    const summary = await importRoster(store.db, demo((t) => t.replace('title: 水川村第三组专职网格员 }', 'title: 水川村第三组专职网格员（组长） }')));
    expect(summary.counts.roles).toMatchObject({ created: 0, updated: 1, removed: 0 });
    expect(writes(summary)).toBe(1);

    const after = await dump();
    for (const t of TABLES) if (t !== 'roles') expect(after[t]).toEqual(before[t]);
    const changed = after.roles.filter((row, i) => JSON.stringify(row) !== JSON.stringify(before.roles[i]));
    expect(changed).toHaveLength(1);
    expect(changed[0]!.title).toBe('水川村第三组专职网格员（组长）');
    expect({ ...changed[0], title: null }).toEqual({ ...before.roles.find((r) => r.id === changed[0]!.id), title: null });
  });

  it('leaves nothing behind when the database rejects the last step', async () => {
    await expect(withFaqTrap('hukou', () => importRoster(store.db, demo()))).rejects.toThrow(/faq_entries/);
    for (const [table, rows] of Object.entries(await dump())) expect(rows, table).toEqual([]);
  });

  it('keeps the previous import intact when a later import fails mid-way', async () => {
    await importRoster(store.db, demo());
    const before = await dump();
    const edited = demo((t) => t.replace('name: 李冬梅', 'name: 李冬梅改').replace('code: yanglao-renzheng', 'code: boom'));
    await expect(withFaqTrap('boom', () => importRoster(store.db, edited))).rejects.toThrow(/faq_entries/);
    expect(await dump()).toEqual(before);
  });

  it('refuses a join code held by a grid node no longer in the roster', async () => {
    await importRoster(store.db, demo());
    const before = await dump();
    const edited = demo((t) =>
      t
        .replace(/\n\s+- \{ code: xiafang-g04, name: 第四组, level: unit \}/, '')
        .replace(/\n\s+- \{ role: officer_full, grid: xiafang-g04,[^\n]*/, '')
        .replace(/\n\s+- \{ role: officer_part, grid: xiafang-g04,[^\n]*/, '')
        .replace('{ code: xiafang-g03, name: 第三组, level: unit }', `{ code: xiafang-g03, name: 第三组, level: unit, join_code: ${deriveJoinCode('xiafang-g04')} }`),
    );
    await expect(importRoster(store.db, edited)).rejects.toThrow(RosterImportError);
    expect(await dump()).toEqual(before);
  });

  it('a dry run reports what would change and writes nothing', async () => {
    const summary = await importRoster(store.db, demo(), { dryRun: true });
    expect(summary).toMatchObject({ dryRun: true, changed: true });
    expect(summary.counts.gridNodes.created).toBe(36);
    for (const rows of Object.values(await dump())) expect(rows).toEqual([]);
  });

  it('removes roles and identities the roster drops, and reports absent people and nodes', async () => {
    await importRoster(store.db, demo());
    const edited = demo((t) =>
      t
        .replace(/\n  - code: p-zou-haibo\n(    .*\n)+?      - \{ role: villager, grid: xiafang-g02 \}/, '')
        .replace('telegram: "900001"', 'telegram: "900099"')
        .replace(/\n\s+- \{ code: xiafang-g01, name: 第一组, level: unit \}/, '')
        .replace(/\n\s+- \{ role: officer_full, grid: xiafang-g01,[^\n]*/, '')
        .replace(/\n\s+- \{ role: officer_part, grid: xiafang-g01,[^\n]*/, ''),
    );
    const summary = await importRoster(store.db, edited);
    expect(summary.absent).toEqual({ gridNodes: ['xiafang-g01'], departments: [], people: ['p-zou-haibo'] });
    expect(summary.counts.identities).toMatchObject({ created: 1, removed: 1 });
    expect(summary.counts.roles.removed).toBe(3);
    const zou = await one<{ n: number }>(
      sql`select count(*)::int as n from gridline.roles r join gridline.people p on p.id = r.person_id where p.code = 'p-zou-haibo'`,
    );
    expect(zou.n).toBe(0);
    const luo = await queryRows<{ external_id: string }>(
      store.db,
      sql`select i.external_id from gridline.identities i join gridline.people p on p.id = i.person_id where p.code = 'p-luo-xiuying'`,
    );
    expect(luo).toEqual([{ external_id: '900099' }]);
  });

  it('adopts a villager who registered through the bot before the roster named them', async () => {
    const [bot] = await queryRows<{ id: string }>(store.db, sql`insert into gridline.people (name) values ('秀英') returning id`);
    await store.db.execute(sql`insert into gridline.identities (person_id, platform, external_id) values (${bot!.id}, 'telegram', '900001')`);
    const summary = await importRoster(store.db, demo());
    expect(summary.counts.people.updated).toBe(1);
    expect(summary.counts.identities.unchanged).toBe(1);
    const person = await one<{ id: string; name: string }>(sql`select id, name from gridline.people where code = 'p-luo-xiuying'`);
    expect(person).toEqual({ id: bot!.id, name: '罗秀英' });
  });

  it('leaves time limits and FAQ alone when the roster has no such section, and prunes them when it has', async () => {
    await importRoster(store.db, demo());
    const roster = demo();
    const { time_limits: _limits, faq: _faq, ...rest } = roster;
    const without = await importRoster(store.db, rest as Roster);
    expect(without.changed).toBe(false);
    const pruned = await importRoster(store.db, { ...roster, faq: roster.faq!.slice(0, 2), time_limits: roster.time_limits!.slice(0, 1) });
    expect(pruned.counts.faq).toMatchObject({ removed: 4, unchanged: 2 });
    expect(pruned.counts.timeLimits).toMatchObject({ removed: 9, unchanged: 1 });
  });

  it('rejects a roster object whose references do not resolve', async () => {
    const roster = demo();
    roster.people[0]!.roles[0]!.grid = 'nowhere';
    await expect(importRoster(store.db, roster)).rejects.toThrow(/unknown grid code "nowhere"/);
    for (const rows of Object.values(await dump())) expect(rows).toEqual([]);
  });
});
