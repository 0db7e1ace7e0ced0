// A matter card on Telegram follows its matter: once the matter moves, the officer's card message
// is edited to say where it stands now (who holds it) and to offer only what he may do now, and a
// settled matter's card says so and carries no buttons. The card he pressed also keeps what he did.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { newGridLeader, newOfficer, newTree, newVillager, type Tree } from '../../support/factories.js';
import { openTestStore, type TestStore } from '../../support/store.js';
import { startBot, type BotUnderTest } from '../../support/telegram/bot.js';
import { TelegramEmulator, type BotMessage } from '../../support/telegram/emulator.js';
import { TelegramPerson } from '../../support/telegram/person.js';
import { reportedThroughIntake, saw, waitForMatter } from '../../support/telegram-flows.js';
import { waitFor } from '../../support/wait.js';

let store: TestStore;
let emulator: TelegramEmulator;
let bot: BotUnderTest;
let tree: Tree;
let nextUser = 860_000;

const tg = (firstName: string) => new TelegramPerson(emulator, { userId: nextUser++, firstName, languageCode: 'zh-hans' });
const labels = (m: { buttons: Array<Array<{ label: string }>> }) => m.buttons.flat().map((b) => b.label);

/** The card message as it stands now, once `check` holds for it. */
const cardWhen = (p: TelegramPerson, card: BotMessage, check: (m: BotMessage) => boolean, what: string) =>
  waitFor(
    () => p.messages().find((m) => m.messageId === card.messageId && check(m)) ?? null,
    () => `${what} (the card now: ${JSON.stringify(p.messages().find((m) => m.messageId === card.messageId)?.text.split('\n').at(-1))}, ${JSON.stringify(labels(p.messages().find((m) => m.messageId === card.messageId) ?? { buttons: [] }))})`,
  );

beforeAll(async () => {
  store = await openTestStore('postgres');
  emulator = await TelegramEmulator.start();
  bot = await startBot(store, emulator);
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

describe('matter cards on Telegram', () => {
  it('the officer’s card is edited as the matter is taken, taken over and settled', async () => {
    const o = tg('李冬梅');
    await newOfficer(store.db, tree.unit, '李冬梅', { telegram: String(o.userId) });
    const leaderTg = tg('张国华');
    await newGridLeader(store.db, tree.village, '张国华', { telegram: String(leaderTg.userId) });
    const v = tg('罗秀英');
    await newVillager(store.db, tree.unit, '罗秀英', { telegram: String(v.userId) });
    const m = await reportedThroughIntake(bot, store, String(v.userId), '村口的路灯坏了三天了。');

    // The officer takes it from his card: the card says he handles it, and 接单 is gone.
    const card = await saw(o, `【新事项】${m.ref}`);
    const words = card.text;
    expect(labels(card)).toContain('接单');
    await o.pressData(card.buttons.flat().find((b) => b.label === '接单')!.data, card);
    const taken = await cardWhen(o, card, (x) => x.text.includes('—— 现状：处置中') && x.text.includes('李冬梅办理'), 'the card saying he handles it');
    // His words stay, with what he did and where the matter stands under them.
    expect(taken.text.startsWith(`${words}\n\n✅ 李冬梅已接单\n—— 现状：处置中`)).toBe(true);
    expect(labels(taken)).not.toContain('接单');
    expect(labels(taken)).toEqual(expect.arrayContaining(['回复', '办结']));

    // The village grid leader takes it over: the officer's old card names the new holder, and
    // offers nothing only the holder may do.
    await leaderTg.pressData(`mx:takeover:${m.ref}`);
    await waitForMatter(store, m.ref, (x) => x.step === 'handle' && x.assigneeId !== m.assigneeId, 'the takeover');
    const moved = await cardWhen(o, card, (x) => x.text.includes('张国华办理'), 'the card naming the new holder');
    expect(moved.text).not.toContain('李冬梅办理');
    expect(moved.text).not.toContain('✅');
    for (const holderOnly of ['接单', '回复', '办结', '转办', '上报']) expect(labels(moved)).not.toContain(holderOnly);

    // The leader settles it: the officer's card says 已办结 and carries no buttons.
    leaderTg.mark();
    await leaderTg.pressData(`mx:settle:${m.ref}`);
    await leaderTg.waitForText('请写下事项');
    await leaderTg.say('路灯已换新，晚上亮了。');
    await waitForMatter(store, m.ref, (x) => x.state === 'settled', 'the settlement');
    const settled = await cardWhen(o, card, (x) => x.text.endsWith('—— 已办结') && x.buttons.flat().length === 0, 'the card settled, without buttons');
    expect(settled.text).not.toContain('现状');
  });
});
