// 回访 from both sides on Telegram (issue 18): a matter the villager rated 不满意 is reopened and
// settled again by the village; three days on its holder is reminded and the villager is asked,
// once, how it is now. They press 还没解决: it goes the way a 不满意 rating goes (reopened; a small
// matter stays with the village, its grid leader gets it back), the leader hears when they
// answered, and the village's cadre reads the answer in the matter's history. A second press, someone else's press and forged data
// change nothing. A matter rated 满意 brings neither a reminder nor a question.
import { and, eq, isNull } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { performAction } from '../../../src/services/matter-actions.js';
import { deliveries, matterEvents, outbox } from '../../../src/store/schema.js';
import { newGridLeader, newOfficer, newPerson, newTree, newVillager } from '../../support/factories.js';
import { openTestStore, type TestStore } from '../../support/store.js';
import { startBot, type BotUnderTest } from '../../support/telegram/bot.js';
import { TelegramEmulator, type BotMessage } from '../../support/telegram/emulator.js';
import { TelegramPerson } from '../../support/telegram/person.js';
import { matterByRef, reportedThroughIntake, saw, waitForMatter } from '../../support/telegram-flows.js';
import { waitFor } from '../../support/wait.js';

let store: TestStore;
let emulator: TelegramEmulator;
let bot: BotUnderTest;
const DAY = 24 * 3600_000;

beforeAll(async () => {
  store = await openTestStore('postgres');
  emulator = await TelegramEmulator.start();
  bot = await startBot(store, emulator);
  await store.reset();
});

afterAll(async () => {
  await bot?.stop();
  await emulator?.close();
  await store?.close();
});

const labels = (m: BotMessage) => m.buttons.flat().map((b) => b.label);
const answered = (text: string) => waitFor(() => emulator.callsOf('answerCallbackQuery').some((c) => String(c.body.text ?? '') === text), `a press answered "${text}"`);

it('reminds the holder and asks the villager once; 还没解决 reopens it as 不满意 does; 满意 brings nothing', async () => {
  const tree = await newTree(store.db);
  const o = new TelegramPerson(emulator, { userId: 830_001, firstName: 'Dongmei', languageCode: 'zh-hans' });
  const l = new TelegramPerson(emulator, { userId: 830_002, firstName: 'Guohua', languageCode: 'zh-hans' });
  const t = new TelegramPerson(emulator, { userId: 830_003, firstName: 'Wenhua', languageCode: 'zh-hans' });
  const v = new TelegramPerson(emulator, { userId: 830_010, firstName: '王秀英', languageCode: 'zh-hans' });
  const w = new TelegramPerson(emulator, { userId: 830_011, firstName: '罗秀英', languageCode: 'zh-hans' });
  const officer = await newOfficer(store.db, tree.unit, '李冬梅', { telegram: String(o.userId) });
  const leader = await newGridLeader(store.db, tree.village, '张国华', { telegram: String(l.userId) });
  await newPerson(store.db, { name: '周文华', role: 'cadre', at: tree.village, title: '水川村党支部书记', telegram: String(t.userId) });
  await newVillager(store.db, tree.unit, '王秀英', { telegram: String(v.userId) });
  await newVillager(store.db, tree.unit, '罗秀英', { telegram: String(w.userId) });
  const ctx = bot.runtime.ctx;
  const settle = async (matterId: string, by: string, result: string) => {
    expect(await performAction(ctx, { matter: matterId, actorId: by, request: { action: 'take' } })).toMatchObject({ ok: true });
    expect(await performAction(ctx, { matter: matterId, actorId: by, request: { action: 'settle', result } })).toMatchObject({ ok: true });
    ctx.outboxWritten();
  };

  // 路灯: settled, rated 不满意 with a word, reopened at the village and settled there again.
  const lamp = await reportedThroughIntake(bot, store, String(v.userId), '村口路灯坏了，晚上看不见路。');
  await settle(lamp.id, officer.id, '已经报修，电工明天来。');
  const first = await saw(v, `${lamp.ref} 已办结`);
  await v.pressData(first.buttons.flat().find((b) => b.label === '不满意')!.data, first);
  await v.waitForText('很抱歉这次没让您满意');
  await v.say('灯还是不亮。');
  await v.waitForText('已转到村里重新办理');
  await waitForMatter(store, lamp.ref, (m) => m.level === 'village' && m.state === 'open', 'the lamp reopened at the village');
  await settle(lamp.id, leader.id, '电工换了灯泡，今晚已经亮了。');
  await saw(v, '电工换了灯泡');

  // 水渠: settled and rated 满意.
  const ditch = await reportedThroughIntake(bot, store, String(v.userId), '水渠堵了，水漫到路上。');
  await settle(ditch.id, officer.id, '水渠已经清通。');
  const ditchSettled = await saw(v, `${ditch.ref} 已办结`);
  await v.pressData(ditchSettled.buttons.flat().find((b) => b.label === '满意')!.data, ditchSettled);
  await waitForMatter(store, ditch.ref, (m) => m.state === 'closed', 'the ditch rated');
  await bot.idle();

  // Three days on (a Saturday, 10:00 in Shanghai: not the villager's quiet hours).
  v.mark();
  l.mark();
  const [vFrom, oFrom] = [v.messages().length, o.messages().length];
  bot.clock.advance(3 * DAY + 60_000);
  const reminder = await saw(l, `回访提醒：事项 ${lamp.ref}`, 30_000);
  expect(reminder.text).toContain('群众评价过“不满意”');
  expect(reminder.text).toContain('今天也问了群众一声现在怎么样');
  const question = await saw(v, `您反映的事项 ${lamp.ref}`);
  expect(question.text).toContain('现在怎么样了');
  expect(labels(question)).toEqual(['已经解决了', '还没解决', '不用再问']);
  // Both looks ran (the outbox relayed them and the queue is idle): 满意 brought nothing.
  await waitFor(async () => (await store.db.select().from(outbox).where(and(eq(outbox.queue, 'broadcast'), isNull(outbox.relayedAt)))).length === 0, 'both looks relayed');
  await bot.idle();
  expect(v.messages().slice(vFrom).filter((m) => m.text.includes(ditch.ref))).toEqual([]);
  expect(o.messages().slice(oFrom)).toEqual([]);
  expect(await store.db.select().from(deliveries).where(and(eq(deliveries.matterId, ditch.id), eq(deliveries.template, 'follow_up_ask')))).toEqual([]);

  // 还没解决: reopened, as a 不满意 would be; a small matter stays with the village's grid leader.
  await v.pressData(question.buttons.flat().find((b) => b.label === '还没解决')!.data, question);
  await v.waitForText(`事项 ${lamp.ref} 已转到村里重新办理`);
  const reopened = await waitForMatter(store, lamp.ref, (m) => m.step === 'dispatch' && m.state === 'open', 'the lamp reopened');
  expect(reopened).toMatchObject({ level: 'village', assigneeId: leader.id });
  await saw(l, `【重新办理】事项 ${lamp.ref}`);
  // The leader who was reminded hears the answer and when it came.
  const heard = await saw(l, `回访回话：事项 ${lamp.ref}`);
  expect(heard.text).toMatch(/的群众在 .+ 回答：还没解决。已按“不满意”转到村里重新办理。/);
  // The press edited the question: its buttons are gone.
  const edited = emulator.callsOf('editMessageText', v.userId).find((c) => String(c.body.text ?? '').includes('✅ 还没解决'));
  expect(edited).toBeDefined();

  // Once only: a second press, another villager's press and forged data change nothing.
  await v.pressData(question.buttons.flat().find((b) => b.label === '已经解决了')!.data, question);
  await answered('您已经回答过了，谢谢！');
  await w.pressData(`mx:follow_up:${lamp.ref}:solved`);
  await v.pressData(`mx:follow_up:${lamp.ref}:maybe`);
  await v.pressData(`mx:follow_up:${ditch.ref}:unsolved`);
  await waitFor(() => emulator.callsOf('answerCallbackQuery').filter((c) => String(c.body.text ?? '') === '这个按钮已经过期了，请看最新的消息。').length >= 3, 'three refusals');
  await bot.idle();
  const answers = await store.db.select().from(matterEvents).where(eq(matterEvents.action, 'follow_up_answer'));
  expect(answers.map((e) => [e.matterId, e.data?.answer])).toEqual([[lamp.id, 'unsolved']]);
  expect(await matterByRef(store, lamp.ref)).toMatchObject({ level: 'village', state: 'open', step: 'dispatch', assigneeId: leader.id });
  expect(await matterByRef(store, ditch.ref)).toMatchObject({ state: 'closed' });

  // The village's cadre reads the answer in the matter's history.
  t.mark();
  await t.command(`/status ${lamp.ref}`);
  const detail = await t.waitForText(lamp.ref);
  expect(detail.text).toContain('王秀英回访时回答：还没解决');
}, 180_000);
