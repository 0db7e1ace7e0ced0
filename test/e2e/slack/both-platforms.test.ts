// Both stand-ins in one deployment: the villager on the Telegram emulator, the officer in Slack.
// The officer accepts from the card, replies in its thread and the villager reads it on Telegram;
// the villager answers with Telegram's reply-to and it lands in the card's thread; the card is
// redrawn in place at each step; a modal settles it. And one officer, two platforms: a code asked
// for on Telegram links a Slack account.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identities, matters } from '../../../src/store/schema.js';
import { newOfficer, newTree, type Tree } from '../../support/factories.js';
import { FakeSlackApi } from '../../support/slack/fake-slack-api.js';
import { buttonPress, messageEvent, slashCommand } from '../../support/slack/signed-requests.js';
import { cardsOf, linkSlack, startSlackHarness, type SlackHarness } from '../../support/slack/slack-harness.js';
import { SlackPerson } from '../../support/slack/slack-person.js';
import { openTestStore, type TestStore } from '../../support/store.js';
import { TelegramEmulator } from '../../support/telegram/emulator.js';
import { TelegramPerson } from '../../support/telegram/person.js';
import { refIn, replyTo, saw, beginReport, registerVillager } from '../../support/telegram-flows.js';
import { waitFor } from '../../support/wait.js';

const OFFICER = 'U0OFFICER1';
const OFFICER_DM = FakeSlackApi.dmOf(OFFICER);

let store: TestStore;
let api: FakeSlackApi;
let emulator: TelegramEmulator;
let h: SlackHarness;
let tree: Tree;

beforeAll(async () => {
  store = await openTestStore('postgres');
  api = await FakeSlackApi.start();
  emulator = await TelegramEmulator.start();
  h = await startSlackHarness(store, api, { emulator });
  tree = await newTree(store.db);
});

afterAll(async () => {
  await h?.close();
  await emulator?.close();
  await api?.stop();
  await store?.close();
});

describe('a villager on Telegram, an officer in Slack', () => {
  it('works the matter across the two platforms', async () => {
    const officer = await newOfficer(store.db, tree.unit, '李冬梅');
    await linkSlack(store.db, officer.id, OFFICER);
    const v = new TelegramPerson(emulator, { userId: 880_001, firstName: '罗秀英', languageCode: 'zh-hans' }).mark();

    // Registered and reported on Telegram.
    await registerVillager(v, tree.unit.joinCode!, '罗秀英');
    await beginReport(v, '🤝 邻里纠纷', '隔壁装修，半夜还在砸墙。');
    await v.press('✅ 说完了');
    await v.waitForText('事情发生在哪里');
    await v.say('跳过');
    await v.press('📨 提交');
    const ref = refIn((await saw(v, '已受理，受理编号')).text);

    // The card in the officer's Slack DM.
    const post = await h.waitCall('chat.postMessage', (c) => c.args.channel === OFFICER && FakeSlackApi.textOf(c).includes(ref), 'the Slack card');
    expect(JSON.stringify(post.args.blocks)).toContain('隔壁装修，半夜还在砸墙。');
    const [m] = await store.db.select().from(matters).where(eq(matters.ref, ref));
    const card = (await waitFor(async () => (await cardsOf(store.db, m!.id))[0], 'the card recorded'))!;

    // 接单 in Slack; the villager hears it on Telegram; the card is redrawn.
    await h.send(buttonPress({ user: OFFICER, channel: OFFICER_DM, messageTs: card.ts, value: `mx:take:${ref}` }));
    await saw(v, `${ref} 已由第三组专职网格员李冬梅接手办理`);
    await h.waitCall('chat.update', (c) => c.args.ts === card.ts && FakeSlackApi.textOf(c).includes('处置'));

    // A reply in the card's thread reaches Telegram with the officer's name and role.
    await h.send(messageEvent({ user: OFFICER, channel: OFFICER_DM, threadTs: card.ts, text: '我这就去跟他家说，晚上十点后不许施工。' }));
    const reply = await saw(v, `【${ref}】第三组专职网格员李冬梅回复您：\n我这就去跟他家说，晚上十点后不许施工。`);

    // A note stays inside.
    await h.send(messageEvent({ user: OFFICER, channel: OFFICER_DM, threadTs: card.ts, text: 'note: 装修的是村主任亲戚，注意方式。' }));
    // The flows confirm it in the officer's DM.
    await h.waitCall('chat.postMessage', (c) => c.args.channel === OFFICER && !c.args.thread_ts && FakeSlackApi.textOf(c).includes('内部备注'), 'the note confirmed');

    // The villager answers with Telegram's reply-to: it appears in the card's thread.
    await replyTo(emulator, v, reply.messageId, '谢谢，今晚我再看看。');
    await h.waitCall('chat.postMessage', (c) => c.args.thread_ts === card.ts && FakeSlackApi.textOf(c).includes('谢谢，今晚我再看看。'), 'the answer in the thread');

    // Settled: the result asked in the DM, written in the flow's modal; the villager gets it with the rating buttons.
    const o = new SlackPerson(h, OFFICER).mark();
    await h.send(buttonPress({ user: OFFICER, channel: OFFICER_DM, messageTs: card.ts, value: `mx:settle:${ref}`, blockId: `card_${ref}` }));
    await o.waitForText('办理结果');
    await o.answerInModal('填写', '已和装修户约定，晚上十点后停工。');
    const settled = await saw(v, `${ref} 已办结`);
    expect(settled.text).toContain('晚上十点后停工');
    expect(settled.buttons.flat().map((b) => b.label)).toEqual(['满意', '基本满意', '不满意']);
    await h.waitCall('chat.update', (c) => c.args.ts === card.ts && FakeSlackApi.textOf(c).includes('已办结'));

    // The note never left gridline.
    expect(v.messages().some((x) => x.text.includes('村主任亲戚'))).toBe(false);
  });

  it('links a Slack account to an officer who works on Telegram, with a code asked for on Telegram', async () => {
    const o = new TelegramPerson(emulator, { userId: 880_002, firstName: 'Hongmei', languageCode: 'zh-hans' }).mark();
    const officer = await newOfficer(store.db, tree.otherUnit, '赵红梅', { telegram: String(o.userId) });
    await o.command('/link');
    const code = /([2-9A-Z]{8})/.exec((await o.waitForText('/grid link')).text)![1]!;
    const url = `${api.url}/respond/link-1`;
    await h.send(slashCommand({ user: 'U0HONGMEI1', channel: 'D0HONGMEI1', text: `link ${code}`, responseUrl: url }));
    // The flows answer in the new identity's DM.
    const answer = await h.waitCall('chat.postMessage', (c) => c.args.channel === 'U0HONGMEI1', 'the answer to /grid link');
    expect(FakeSlackApi.textOf(answer)).toContain('赵红梅');
    const ids = await store.db.select().from(identities).where(eq(identities.personId, officer.id));
    expect(ids.map((i) => i.platform).sort()).toEqual(['slack', 'telegram']);
  });
});
