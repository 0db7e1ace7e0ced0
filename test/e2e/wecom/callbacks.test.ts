// The callback URL from WeCom's side: the URL check, forged callbacks refused (a bad signature, a
// message encrypted for another corp, a stale timestamp, an exact replay), a message delivered
// twice handled once (in the app, and 微信客服 announced twice), a token that expires mid-send
// refreshed once, and a villager registering by scanning a poster (scene_param → /start code).
import { eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { identities, inbox, people, platformCursors } from '../../../src/store/schema.js';
import { importRoster } from '../../../src/roster/import-roster.js';
import { parseRoster } from '../../../src/roster/parse-roster.js';
import { newOfficer, newTree, newVillager, type Tree } from '../../support/factories.js';
import { openTestStore, type TestStore } from '../../support/store.js';

import { waitFor } from '../../support/wait.js';
import { FakeWecom, TEST_CORP } from '../../support/wecom/fake-wecom.js';
import { AppMember, KfVillager, linkWecom, startWecomBot, type WecomBot, type WecomBotOptions } from '../../support/wecom/wecom-bot.js';

let store: TestStore;
let fake: FakeWecom;
let bot: WecomBot;
let tree: Tree;
let n = 0;

beforeAll(async () => {
  store = await openTestStore('postgres');
  fake = await FakeWecom.start();
  bot = await startWecomBot(store, fake);
});

beforeEach(async () => {
  await store.reset();
  tree = await newTree(store.db);
  // The stand-in's 微信客服 log outlives the reset store: reading starts where it ends now, as a
  // deployment's stored cursor would (else every test would read the earlier tests' villagers again).
  await skipKfHistory();
});

async function skipKfHistory(): Promise<void> {
  const end = Buffer.from(`c${(fake as unknown as { kfLog: unknown[] }).kfLog.length}`).toString('base64url');
  await store.db.insert(platformCursors).values({ key: `wecom:kf:${TEST_CORP.corpId}:${TEST_CORP.openKfId}`, value: end }).onConflictDoUpdate({ target: platformCursors.key, set: { value: end } });
}

afterAll(async () => {
  await bot?.stop();
  await fake?.stop();
  await store?.close();
});

async function officer(): Promise<AppMember> {
  const userId = `Officer${++n}`;
  const p = await newOfficer(store.db, tree.unit, '李冬梅');
  await linkWecom(store.db, p.id, { userId });
  return new AppMember(fake, bot, userId);
}

const wecomRows = () => store.db.select().from(inbox).where(like(inbox.id, 'wecom:%'));

describe('the callback URL', () => {
  it('answers the URL check with the echo, and refuses one that is forged', async () => {
    const ok = await bot.client.verifyUrl('echo-1234567');
    expect(ok).toMatchObject({ status: 200, body: 'echo-1234567' });
    expect((await bot.client.verifyUrl('echo-2', 'bad_signature')).status).toBe(401);
    expect((await bot.client.verifyUrl('echo-3', 'other_corp')).status).toBe(403);
  });

  it('refuses forged callbacks and commits nothing of them', async () => {
    const o = await officer();
    expect((await bot.client.text(o.userId, '/help', { forgery: 'bad_signature' })).status).toBe(401);
    expect((await bot.client.text(o.userId, '/help', { forgery: 'other_corp' })).status).toBe(403);
    expect((await bot.client.text(o.userId, '/help', { forgery: 'stale_timestamp' })).status).toBe(401);
    const real = await bot.client.text(o.userId, '/help');
    expect(real.status).toBe(200);
    // The same request again (an attacker replaying what they saw): refused by its nonce.
    expect((await bot.client.replay(real)).status).toBe(401);
    await bot.idle();
    expect(await wecomRows()).toHaveLength(1);
    expect(fake.sent.filter((m) => m.touser === o.userId).length).toBeGreaterThan(0);
  });

  it('handles a message delivered twice once (WeCom retrying with the same MsgId)', async () => {
    const o = await officer();
    const first = await bot.client.text(o.userId, '/mine', { msgId: '7000000000000000001' });
    const again = await bot.client.text(o.userId, '/mine', { msgId: '7000000000000000001' });
    expect([first.status, again.status]).toEqual([200, 200]);
    await o.waitFor('您手上');
    await bot.idle();
    expect(o.messages().filter((m) => m.text.includes('您手上'))).toHaveLength(1);
    expect(await wecomRows()).toHaveLength(1);
  });

  it('reads 微信客服 once however often WeCom announces it, and answers once', async () => {
    const villager = await newVillager(store.db, tree.unit, '王秀英');
    await linkWecom(store.db, villager.id, { externalUserId: 'wmTwice01' });
    const v = new KfVillager(fake, 'wmTwice01');
    await fake.villagerWrites('wmTwice01', '反映问题', { callback: false });
    const token = fake.issueSyncToken();
    const [a, b] = await Promise.all([bot.client.kfMsgOrEvent(token), bot.client.kfMsgOrEvent(token)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect((await bot.client.kfMsgOrEvent(fake.issueSyncToken())).status).toBe(200);
    await v.waitFor('是哪方面的事');
    await bot.idle();
    expect(v.messages().filter((m) => m.text.includes('是哪方面的事'))).toHaveLength(1);
    expect((await wecomRows()).filter((r) => r.id.startsWith('wecom:kf:msg:'))).toHaveLength(1);
  });

  it('refreshes an access token that expired mid-send once, and the message goes out', async () => {
    const o = await officer();
    await o.say('/help');
    await o.waitFor('/');
    await bot.idle();
    const issued = fake.tokensIssued.get(TEST_CORP.secret) ?? 0;
    fake.expireTokens();
    o.mark();
    // Three members write at once: their answers go out concurrently on the expired token.
    const others = [await officer(), await officer()];
    await Promise.all([o, ...others].map((m) => m.say('/help')));
    for (const m of [o, ...others]) await m.waitFor('/');
    await bot.idle();
    expect(fake.tokensIssued.get(TEST_CORP.secret)).toBe(issued + 1);
    expect(fake.calls.filter((c) => c.path === 'message/send' && c.errcode === 42001).length).toBeGreaterThan(0);
  });
});

describe('who is who', () => {
  it('knows a staff member by the WeCom UserID the roster gives them', async () => {
    await store.reset();
    await skipKfHistory();
    const roster = parseRoster(
      `grid:
  code: shuichuan
  name: 水川村
  level: village
  children:
    - { code: shuichuan-g03, name: 第三组, level: unit }
people:
  - code: p-li-dongmei
    name: 李冬梅
    wecom: LiDongMei.Roster
    roles: [{ role: officer_full, grid: shuichuan-g03 }]
`,
      'wecom.yaml',
    );
    await importRoster(store.db, roster);
    const o = new AppMember(fake, bot, 'LiDongMei.Roster');
    await o.say('/mine');
    await o.waitFor('您手上');
  });

  it('registers a villager who writes first, with no poster', async () => {
    const v = new KfVillager(fake, 'wmFirst01');
    await v.say('你好');
    await v.press('简体中文');
    await v.waitFor('请选择您所在的');
    // The tree's menus (one township, one village here may be skipped), then the unit grid.
    for (const label of ['湖泽镇', '水川村', '第三组']) {
      const offered = v.messages().at(-1)!.buttons.some((b) => b.label.includes(label));
      if (offered) await v.press(new RegExp(label));
      if (label !== '第三组') await waitFor(() => v.messages().at(-1)!.buttons.some((b) => /第三组|水川村|对，就是这里/.test(b.label)), 'the next menu');
    }
    await v.press('对，就是这里');
    await v.waitFor('怎么称呼您');
    await v.say('罗秀英');
    await v.waitFor('留个手机号');
    await v.say('跳过');
    await v.waitFor('登记好了');
    const [who] = await store.db.select({ name: people.name, chatId: identities.chatId }).from(identities).innerJoin(people, eq(people.id, identities.personId)).where(eq(identities.externalId, 'wmFirst01'));
    expect(who).toEqual({ name: '罗秀英', chatId: v.chatId });
    await bot.idle();
    expect(fake.windowRefusals).toEqual([]);
  });
});

describe('a villager scanning a poster', () => {
  it('is greeted through the scan (no window yet) and registers to the poster\'s grid', async () => {
    const v = new KfVillager(fake, 'wmPoster01');
    await fake.villagerEnters('wmPoster01', tree.unit.joinCode!);
    // The first answer goes through the scan's welcome code: the villager has not written yet.
    await waitFor(() => fake.kfSent.find((m) => m.touser === 'wmPoster01' && m.onEvent), 'the welcome through send_msg_on_event');
    await v.press('简体中文');
    await v.press('对，就是这里');
    await v.waitFor('怎么称呼您');
    await v.say('王秀英');
    await v.waitFor('留个手机号');
    await v.say('跳过');
    await v.waitFor('登记好了');
    const [who] = await store.db.select({ name: people.name, chatId: identities.chatId }).from(identities).innerJoin(people, eq(people.id, identities.personId)).where(eq(identities.externalId, 'wmPoster01'));
    expect(who).toEqual({ name: '王秀英', chatId: v.chatId });
    expect(fake.windowRefusals).toEqual([]);
  });
});

/**
 * Runs `fn` against a service of other settings in place of the file's, which is stopped meanwhile
 * and started again after: two services on one database, each with queues of its own, would both
 * send every message.
 */
async function withOwnService(opts: WecomBotOptions, fn: (own: WecomBot) => Promise<void>): Promise<void> {
  await bot.stop();
  try {
    const own = await startWecomBot(store, fake, opts);
    try {
      await fn(own);
    } finally {
      await own.stop();
    }
  } finally {
    bot = await startWecomBot(store, fake);
  }
}

describe('a member writing faster than the flood limit', () => {
  it('is told once to slow down and the rest is dropped, not queued', async () => {
    await withOwnService({ wecom: { flood: { burst: 3, perMinute: 2 } } }, async (slow) => {
      const userId = `Flooder${++n}`;
      const p = await newOfficer(store.db, tree.unit, '李冬梅');
      await linkWecom(store.db, p.id, { userId });
      const o = new AppMember(fake, slow, userId);
      for (let i = 0; i < 8; i++) await o.say(`/help`);
      await o.waitFor('您发得有点快');
      await slow.idle();
      expect(o.messages().filter((m) => m.text.includes('您发得有点快'))).toHaveLength(1);
      // Three within the burst, and the one that said "slow down": the other four were never kept.
      expect((await wecomRows()).filter((r) => (r.payload as { userId?: string } | null)?.userId === userId)).toHaveLength(4);
    });
  });
});
