// The command line and the roster are edges too: what an administrator pastes (a NUL, a bidi
// override, nothing visible) is cleaned before it reaches the store, like any chat message.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OpError, runOp } from '../../../src/app/ops.js';
import { matters, people } from '../../../src/store/schema.js';
import { newTree, newVillager } from '../../support/factories.js';
import { testLogger } from '../../support/runtime.js';
import { openTestStore, type TestStore } from '../../support/store.js';

let store: TestStore;
const ctx = () => ({ db: store.db, now: () => new Date(), logger: testLogger, outboxWritten: () => {} });

beforeAll(async () => {
  store = await openTestStore('postgres');
});
beforeEach(async () => {
  await store.reset();
});
afterAll(async () => {
  await store?.close();
});

describe('text from the command line and the roster', () => {
  it('files a report whose text held a NUL, controls and a bidi override, cleaned', async () => {
    const tree = await newTree(store.db);
    const v = await newVillager(store.db, tree.unit);
    const r = (await runOp(ctx(), 'report', { as: v.code, text: '\u202E邻居在田边\u0000堆柴草\u0007，说了不听\uD800。', category: 'dispute' })) as { ref: string };
    const [m] = await store.db.select().from(matters).where(eq(matters.ref, r.ref));
    expect(m!.summary).toBe('邻居在田边堆柴草，说了不听。');
  });

  it('refuses a report with nothing visible in it, as empty', async () => {
    const tree = await newTree(store.db);
    const v = await newVillager(store.db, tree.unit);
    const err = await runOp(ctx(), 'report', { as: v.code, text: '\u200B\u200D\uFE0F' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpError);
    expect((err as OpError).key).toBe('intake:rejected.empty');
    expect(await store.db.select().from(matters)).toHaveLength(0);
  });

  it('imports a roster whose values held NULs and bidi controls, cleaned', async () => {
    const text = `grid:
  code: shuichuan
  name: "水川\\0村"
  level: village
  children:
    - { code: shuichuan-g03, name: "第三组\\u202E", level: unit }
people:
  - code: p-li-dongmei
    name: "李\\x07冬梅\\u2066"
    roles: [{ role: officer_full, grid: shuichuan-g03, title: "第三组\\0专职网格员" }]
`;
    await runOp(ctx(), 'import', { fileName: 'hostile.yaml', text });
    const [p] = await store.db.select().from(people).where(eq(people.code, 'p-li-dongmei'));
    expect(p!.name).toBe('李冬梅');
    const grids = (await runOp(ctx(), 'grids', {})) as unknown;
    expect(JSON.stringify(grids)).toContain('水川村');
    expect(JSON.stringify(grids)).not.toMatch(/\\u0000|\\u202e/i);
  });
});
