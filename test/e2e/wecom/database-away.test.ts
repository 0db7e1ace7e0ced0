// With Postgres away, WeCom hears no 200: a member's message and a 微信客服 announcement are
// refused (WeCom calls again), nothing is half-kept, and the reading cursor stays where the last
// committed page left it. Once Postgres is back, the same callback (WeCom's retry, same nonce: the
// refused one was forgotten) is taken, and each message is handled once.
import { eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../../src/store/db.js';
import { inbox, platformCursors } from '../../../src/store/schema.js';
import { newOfficer, newTree, newVillager } from '../../support/factories.js';
import { PrivatePostgres } from '../../support/postgres-server.js';
import { waitFor } from '../../support/wait.js';
import { FakeWecom, TEST_CORP } from '../../support/wecom/fake-wecom.js';
import { AppMember, KfVillager, linkWecom, startWecomBot, type WecomBot } from '../../support/wecom/wecom-bot.js';

let pg: PrivatePostgres;
let store: Store;
let fake: FakeWecom;
let bot: WecomBot;

beforeAll(async () => {
  [pg, fake] = await Promise.all([PrivatePostgres.start(), FakeWecom.start()]);
  store = await openStore({ kind: 'postgres', url: pg.url(), poolSize: 4 });
  bot = await startWecomBot(store, fake);
}, 120_000);

afterAll(async () => {
  await pg?.up().catch(() => {});
  await bot?.stop().catch(() => {});
  await store?.close().catch(() => {});
  await fake?.stop();
  await pg?.drop();
}, 60_000);

const CURSOR_KEY = `wecom:kf:${TEST_CORP.corpId}:${TEST_CORP.openKfId}`;

describe('WeCom callbacks while Postgres is away', () => {
  it('are refused until they can be committed, then taken once', async () => {
    const tree = await newTree(store.db);
    const officer = await newOfficer(store.db, tree.unit, '李冬梅');
    await linkWecom(store.db, officer.id, { userId: 'LiDongMei' });
    const villager = await newVillager(store.db, tree.unit, '王秀英');
    await linkWecom(store.db, villager.id, { externalUserId: 'wmAway01' });
    const o = new AppMember(fake, bot, 'LiDongMei');
    const v = new KfVillager(fake, 'wmAway01');

    // Before: a villager's message read through 微信客服, the cursor stored with it.
    await v.say('你好');
    await v.waitFor(/./);
    const cursorBefore = await waitFor(async () => (await store.db.select().from(platformCursors).where(eq(platformCursors.key, CURSOR_KEY)))[0]?.value, 'the cursor stored');
    await bot.idle();

    await pg.down();
    // A member's message: not 200 (WeCom will call again).
    const refused = await bot.client.text(o.userId, '/mine', { msgId: '7100000000000000001' });
    expect(refused.status).not.toBe(200);
    // The villager writes twice; the announcement is refused too.
    await fake.villagerWrites('wmAway01', '反映问题', { callback: false });
    await fake.villagerWrites('wmAway01', '在吗', { callback: false });
    const announced = await bot.client.kfMsgOrEvent(fake.issueSyncToken());
    expect(announced.status).not.toBe(200);

    await pg.up();
    // Nothing of the refused callbacks was kept, and the cursor did not move past what was not committed.
    await waitFor(async () => (await store.db.select().from(platformCursors)).length > 0, 'Postgres answering again', 30_000, 200);
    expect((await store.db.select().from(platformCursors).where(eq(platformCursors.key, CURSOR_KEY)))[0]!.value).toBe(cursorBefore);
    expect(await store.db.select().from(inbox).where(eq(inbox.id, 'wecom:app:msg:7100000000000000001'))).toHaveLength(0);

    // WeCom's retries: exactly the same requests, taken now (their nonces were forgotten when refused).
    await waitFor(async () => (await bot.client.replay(refused)).status === 200, 'the member\'s callback taken after Postgres came back', 30_000, 300);
    await waitFor(async () => (await bot.client.replay(announced)).status === 200, 'the 微信客服 announcement taken', 30_000, 300);
    await o.waitFor('您手上');
    await v.waitFor('是哪方面的事');
    await bot.idle();
    expect(o.messages().filter((m) => m.text.includes('您手上'))).toHaveLength(1);
    const kfRows = await store.db.select({ id: inbox.id }).from(inbox).where(like(inbox.id, 'wecom:kf:msg:%'));
    expect(kfRows).toHaveLength(3);
    expect((await store.db.select().from(platformCursors).where(eq(platformCursors.key, CURSOR_KEY)))[0]!.value).not.toBe(cursorBefore);
  }, 180_000);
});
