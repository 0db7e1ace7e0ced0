// 微信客服 through the real Admission on Postgres: each kf/sync_msg page is committed to the inbox
// with the cursor that follows it, in one transaction. A commit that fails mid-drain leaves the
// stored cursor after the last committed page (never past a message the inbox does not hold), and
// the next drain brings in exactly the rest; two drains at once commit each message once.
import { eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAdmission } from '../../../src/app/admission.js';
import { WecomApi } from '../../../src/channels/wecom/wecom-api.js';
import { WecomInbound } from '../../../src/channels/wecom/wecom-inbound.js';
import type { Admission } from '../../../src/ports/admission.js';
import { inbox, platformCursors } from '../../../src/store/schema.js';
import { openTestStore, type TestStore } from '../../support/store.js';
import { testLogger } from '../../support/runtime.js';
import { FakeWecom, TEST_CORP } from '../../support/wecom/fake-wecom.js';

let store: TestStore;
let fake: FakeWecom;
let n = 0;

beforeAll(async () => {
  store = await openTestStore('postgres');
  fake = await FakeWecom.start();
});

beforeEach(async () => {
  await store.reset();
});

afterAll(async () => {
  await fake?.stop();
  await store?.close();
});

const ctx = () => ({ db: store.db, now: () => new Date(), logger: testLogger, outboxWritten: () => {} });
const CURSOR_KEY = `wecom:kf:${TEST_CORP.corpId}:${TEST_CORP.openKfId}`;
const storedCursor = async () => (await store.db.select().from(platformCursors).where(eq(platformCursors.key, CURSOR_KEY)))[0]?.value ?? null;
const kfRows = async () => (await store.db.select({ id: inbox.id }).from(inbox).where(like(inbox.id, 'wecom:kf:msg:%'))).map((r) => r.id).sort();

/** The real admission, failing its `failAt`-th commit (1-based) as a database gone away would. */
function failing(failAt: number | null): Admission & { commits: number } {
  const real = createAdmission(ctx());
  const a = {
    commits: 0,
    cursor: real.cursor,
    async admit(...args: Parameters<Admission['admit']>) {
      a.commits += 1;
      if (a.commits === failAt) throw new Error('the database went away');
      return real.admit(...args);
    },
  };
  return a;
}

function inboundWith(admission: Admission): WecomInbound {
  const kf = new WecomApi({ corpId: TEST_CORP.corpId, secret: TEST_CORP.kfSecret, secretName: 'kf', baseUrl: fake.url });
  return new WecomInbound({ corpId: TEST_CORP.corpId, token: TEST_CORP.token, encodingAESKey: TEST_CORP.encodingAESKey, kf, kfAccount: TEST_CORP.openKfId, admission, logger: testLogger, syncLimit: 2 });
}

async function villagersWrite(count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push(`wecom:kf:msg:${(await fake.villagerWrites(`wmCursor${++n}`, `第${i + 1}条`, { callback: false })).msgid}`);
  return ids.sort();
}

describe('the 微信客服 cursor on Postgres', () => {
  it('stays after the last committed page when a commit fails, and the next drain brings in exactly the rest', async () => {
    const before = await storedCursor();
    const ids = await villagersWrite(5);
    // Pages of 2: the second page's commit fails.
    const broken = failing(2);
    await expect(inboundWith(broken).sync(TEST_CORP.openKfId)).rejects.toThrow('the database went away');
    const afterFailure = await storedCursor();
    expect(afterFailure).not.toBe(before);
    const committed = await kfRows();
    expect(committed).toHaveLength(2);
    expect(ids).toEqual(expect.arrayContaining(committed));

    // WeCom calls again: from the stored cursor, the other three, none twice.
    const healthy = failing(null);
    await inboundWith(healthy).sync(TEST_CORP.openKfId);
    expect(await kfRows()).toEqual(ids);
    expect(healthy.commits).toBe(2);
    expect(await storedCursor()).not.toBe(afterFailure);
  });

  it('takes nothing older than the window on the very first read (gridline was not reading then)', async () => {
    // Earlier tests' messages are in the stand-in's log too: all minutes old, all taken on a first read.
    const old = await fake.villagerWrites(`wmOld${++n}`, { msgtype: 'text', text: { content: '三天前的话' }, send_time: Math.floor(Date.now() / 1000) - 3 * 86_400 }, { callback: false });
    const fresh = await villagersWrite(1);
    await inboundWith(failing(null)).sync(TEST_CORP.openKfId);
    const rows = await kfRows();
    expect(rows).toEqual(expect.arrayContaining(fresh));
    expect(rows).not.toContain(`wecom:kf:msg:${old.msgid}`);
    expect(await storedCursor()).not.toBeNull();
  });

  it('commits each message once when two processes drain at once', async () => {
    const ids = await villagersWrite(7);
    const a = inboundWith(failing(null));
    const b = inboundWith(failing(null));
    // Two processes (two inbound sides), each told by its own callback.
    const results = await Promise.allSettled([a.sync(TEST_CORP.openKfId), b.sync(TEST_CORP.openKfId)]);
    expect(results.map((r) => (r.status === 'rejected' ? String(r.reason) : r.status))).toEqual(['fulfilled', 'fulfilled']);
    expect(await kfRows()).toEqual(expect.arrayContaining(ids));
    expect((await kfRows()).filter((id) => ids.includes(id))).toHaveLength(7);
  });
});
