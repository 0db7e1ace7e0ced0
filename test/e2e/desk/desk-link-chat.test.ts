// /desk from chat, on both platforms: staff get a one-time link to the desk, sent without a link
// preview; a villager and a group are told why not. (The browser side: desk-browser.test.ts.)
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { newGridLeader, newTree, newVillager, type Tree } from '../../support/factories.js';
import { FakeSlackApi } from '../../support/slack/fake-slack-api.js';
import { slashCommand } from '../../support/slack/signed-requests.js';
import { linkSlack, startSlackHarness, type SlackHarness } from '../../support/slack/slack-harness.js';
import { openTestStore, type TestStore } from '../../support/store.js';
import { startBot, type BotUnderTest } from '../../support/telegram/bot.js';
import { TelegramEmulator } from '../../support/telegram/emulator.js';
import { TelegramPerson } from '../../support/telegram/person.js';

import { waitFor } from '../../support/wait.js';

const LINK = /(https?:\/\/\S+\/desk\/in\/[A-Za-z0-9_-]{43})/;

describe('/desk on Telegram', () => {
  let store: TestStore;
  let emulator: TelegramEmulator;
  let bot: BotUnderTest;
  let tree: Tree;
  let nextUser = 970_000;

  beforeAll(async () => {
    store = await openTestStore('postgres');
    emulator = await TelegramEmulator.start();
    bot = await startBot(store, emulator, { desk: true });
  });
  beforeEach(async () => {
    await store.reset();
    tree = await newTree(store.db);
  });
  afterAll(async () => {
    await bot?.stop();
    await emulator?.close();
    await store?.close();
  });

  it('sends staff a fresh one-time link each time, without a preview; a villager and a group chat get none', async () => {
    const leader = new TelegramPerson(emulator, { userId: nextUser++, firstName: '张国华', languageCode: 'zh-hans' });
    await newGridLeader(store.db, tree.village, '张国华', { telegram: String(leader.userId) });
    leader.mark();
    await leader.command('/desk');
    const first = await leader.waitForText('工作台登录链接');
    expect(first.text).toContain('10 分钟内有效');
    const link = LINK.exec(first.text)![1]!;
    expect(link.startsWith(`http://127.0.0.1:${bot.port}/desk/in/`)).toBe(true);
    const sent = emulator.callsOf('sendMessage', leader.userId).find((c) => String(c.body.text).includes(link))!;
    expect(sent.body.link_preview_options).toEqual({ is_disabled: true });
    // Opening the link (what a preview would do) does not use it.
    expect((await fetch(link)).status).toBe(200);
    expect((await fetch(link)).status).toBe(200);
    await leader.command('/desk');
    const second = await leader.waitForText('工作台登录链接');
    expect(LINK.exec(second.text)![1]).not.toBe(link);

    const villager = new TelegramPerson(emulator, { userId: nextUser++, firstName: '罗秀英', languageCode: 'zh-hans' });
    await newVillager(store.db, tree.unit, '罗秀英', { telegram: String(villager.userId) });
    villager.mark();
    await villager.command('/desk');
    const refused = await villager.waitForText('工作台是给网格员和干部用的');
    expect(refused.text).not.toMatch(LINK);

    const group = new TelegramPerson(emulator, { userId: leader.userId, firstName: '张国华', languageCode: 'zh-hans', group: { id: -5_550_001, title: '水川村网格群' } });
    group.mark();
    await group.command('/desk');
    const inGroup = await group.waitForText('登录链接只能私聊发给您');
    expect(inGroup.text).not.toMatch(LINK);
  });
});

describe('/grid desk on Slack', () => {
  let store: TestStore;
  let api: FakeSlackApi;
  let h: SlackHarness;
  let tree: Tree;

  beforeAll(async () => {
    store = await openTestStore('postgres');
    api = await FakeSlackApi.start();
  });
  beforeEach(async () => {
    await store.reset();
    api.reset();
    h = await startSlackHarness(store, api, { desk: { baseUrl: 'https://desk.example.org/' } });
    tree = await newTree(store.db);
  });
  afterEach(async () => {
    await h?.close();
  });
  afterAll(async () => {
    await api?.stop();
    await store?.close();
  });

  it('sends a linked grid leader the link to the configured address, without unfurling it', async () => {
    const leader = await newGridLeader(store.db, tree.village, '张国华');
    await linkSlack(store.db, leader.id, 'U0LEADER01');
    await h.send(slashCommand({ user: 'U0LEADER01', channel: FakeSlackApi.dmOf('U0LEADER01'), text: 'desk', responseUrl: `${api.url}/respond/1` }));
    const call = await waitFor(() => api.called('chat.postMessage').find((c) => String(c.args.text).includes('/desk/in/')) ?? null, 'the sign-in link in Slack');
    expect(String(call.args.text)).toMatch(/https:\/\/desk\.example\.org\/desk\/in\/[A-Za-z0-9_-]{43}/);
    // Web API calls go form-encoded: the flag arrives as text.
    expect(String(call.args.unfurl_links)).toBe('false');
  });
});
