// A villager's side, through the emulator: bursts make one report (an album, quick lines, a
// message sent before choosing anything), edits follow what was filed, questions are answered
// from the FAQ or passed to the officer, and 我的事项 shows only their own matters.
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { insertFaqEntries } from '../../../src/store/repositories/roster-repository.js';
import { matterEvents, matters, messages } from '../../../src/store/schema.js';
import { newOfficer, newTree, newVillager, type Tree } from '../../support/factories.js';
import { openTestStore, type TestStore } from '../../support/store.js';
import { startBot, type BotUnderTest } from '../../support/telegram/bot.js';
import { TelegramEmulator } from '../../support/telegram/emulator.js';
import { TelegramPerson } from '../../support/telegram/person.js';
import { count, matterByRef, nextUserMessageId, refIn, saw, waitForMatter } from '../../support/telegram-flows.js';
import { waitFor } from '../../support/wait.js';

let store: TestStore;
let emulator: TelegramEmulator;
let bot: BotUnderTest;
let tree: Tree;
let nextUser = 830_000;

const person = (firstName = '王秀英') => new TelegramPerson(emulator, { userId: nextUser++, firstName, languageCode: 'zh-hans' });

async function villager(name = '王秀英') {
  const p = person(name);
  const row = await newVillager(store.db, tree.unit, name, { telegram: String(p.userId) });
  return { p: p.mark(), row };
}

async function officer() {
  const p = person('李冬梅');
  const row = await newOfficer(store.db, tree.unit, '李冬梅', { telegram: String(p.userId) });
  return { p: p.mark(), row };
}

const mattersOf = (reporterId: string) => store.db.select().from(matters).where(eq(matters.reporterId, reporterId));
const wordsOf = async (matterId: string) => store.db.select().from(messages).where(and(eq(messages.matterId, matterId), eq(messages.direction, 'in'))).orderBy(messages.createdAt);

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

describe('bursts make one report', () => {
  it('an album of photos and a quick line while describing are one report, acknowledged once', async () => {
    await officer();
    const { p: v, row } = await villager();
    await v.say('反映问题');
    await v.press('⚠️ 安全隐患');
    await v.press('没有，但要尽快处理');
    await v.waitForText('请说一说是什么事');
    await v.sendAlbum(3, '村口的电线杆歪了');
    await v.say('随时可能倒下来，孩子上学要从那里走。');
    await bot.idle();
    // The album's first photo is acknowledged; the rest of the burst is taken quietly.
    expect(count(v, '收到了')).toBe(1);
    await v.press('✅ 说完了');
    await v.waitForText('事情发生在哪里');
    await v.say('跳过');
    const check = await v.waitForText('请您核对一下');
    expect(check.text).toContain('照片 3 张');
    expect(check.text).toContain('随时可能倒下来');
    await v.press('📨 提交');
    await v.waitForText('已受理，受理编号');

    const list = await waitFor(async () => {
      const l = await mattersOf(row.id);
      return l.length ? l : null;
    }, 'the matter');
    await bot.idle();
    expect(await mattersOf(row.id)).toHaveLength(1);
    const [words] = await wordsOf(list[0]!.id);
    expect(words!.attachments.filter((a) => a.kind === 'photo')).toHaveLength(3);
    expect(words!.text).toContain('村口的电线杆歪了');
    expect(list[0]!.category).toBe('hazard');
  });

  it('an album sent before anything else is kept, and the villager is asked what it is', async () => {
    await officer();
    const { p: v, row } = await villager();
    await v.sendAlbum(2, '河堤上有个口子在漏水');
    const what = await v.waitForText('收到您的消息了');
    await bot.idle();
    expect(count(v, '收到您的消息了')).toBe(1);
    await v.pressData(what.buttons.flat().find((b) => b.label === '📝 反映这件事')!.data, what);
    await v.waitForText('您说的我都记下了');
    await v.press('⚠️ 安全隐患');
    await v.press('没有，但要尽快处理');
    await v.waitForText('收到了（照片 2 张）');
    await v.press('✅ 说完了');
    await v.waitForText('事情发生在哪里');
    await v.sendLocation(27.82, 114.69);
    await v.waitForText('请您核对一下');
    await v.press('📨 提交');
    await v.waitForText('已受理，受理编号');
    const [m] = await waitFor(async () => ((await mattersOf(row.id)).length ? mattersOf(row.id) : null), 'the matter');
    const [words] = await wordsOf(m!.id);
    expect(words!.attachments.map((a) => a.kind)).toEqual(['photo', 'photo', 'location']);
  });

  it('an edit while describing changes the draft; an edit after filing reaches the officer as a correction', async () => {
    const { p: o } = await officer();
    const { p: v, row } = await villager();
    await v.say('反映问题');
    await v.press('🙋 生活求助');
    await v.waitForText('请说一说是什么事');
    const first = nextUserMessageId(emulator);
    await v.say('我家老人摔了一跤，需要人帮忙送医。');
    await v.waitForText('收到了');
    await v.edit(first, '我家老人在院子里摔了一跤，腿动不了，需要人帮忙送医。');
    await v.waitForText('已按您改过的内容更新');
    await v.press('✅ 说完了');
    await v.waitForText('事情发生在哪里');
    await v.say('跳过');
    const check = await v.waitForText('请您核对一下');
    expect(check.text).toContain('在院子里摔了一跤，腿动不了');
    await v.press('📨 提交');
    const receipt = await saw(v, '已受理，受理编号');
    const ref = refIn(receipt.text);
    await saw(o, `【新事项】${ref}`);

    // Filed already: the edit is added to the matter (the ledger keeps the original too).
    await v.edit(first, '我家老人在院子里摔了一跤，已经叫了120，麻烦网格员来一趟。');
    await saw(v, `您改过的内容已转给网格员（事项 ${ref}）`);
    await saw(o, `【${ref}】王秀英补充：\n（修改）我家老人在院子里摔了一跤，已经叫了120`);
    const m = (await matterByRef(store, ref))!;
    expect(m.reporterId).toBe(row.id);
    const words = await wordsOf(m.id);
    expect(words.map((w) => w.text)).toEqual(['我家老人在院子里摔了一跤，腿动不了，需要人帮忙送医。', '（修改）我家老人在院子里摔了一跤，已经叫了120，麻烦网格员来一趟。']);
  });
});

describe('咨询', () => {
  beforeEach(async () => {
    await insertFaqEntries(store.db, [
      { code: 'dibao', question: '怎么申请低保？', answer: '由本人或家属向村委会提出申请，带上户口簿、身份证和家庭收入情况说明。', keywords: ['低保', '最低生活保障'] },
      { code: 'jiegan', question: '秸秆能烧吗？怎么处理？', answer: '秸秆一律禁止露天焚烧，可以粉碎还田或卖给收储点。', keywords: ['秸秆', '焚烧', '烧稻草'] },
    ]);
  });

  it('answers from the FAQ; "not solved" makes it a consultation for the officer', async () => {
    const { p: o } = await officer();
    const { p: v, row } = await villager();
    await v.say('咨询');
    await v.waitForText('请问您想了解什么');
    await v.say('低保怎么申请');
    const answer = await v.waitForText('【怎么申请低保？】');
    expect(answer.text).toContain('向村委会提出申请');
    expect(answer.text).toContain('这个回答对您有帮助吗？');
    await v.press('没解决，请网格员解答');
    // One receipt: the reference once, and who will answer.
    const sent = await v.waitForText('您反映的咨询事项已受理，受理编号');
    const ref = refIn(sent.text);
    expect(sent.text.split(ref)).toHaveLength(2);
    expect(sent.text).toContain('李冬梅');
    const m = await waitForMatter(store, ref, (x) => x.step !== 'accept', 'the consultation routed');
    expect(m).toMatchObject({ category: 'consult', reporterId: row.id });
    const [words] = await wordsOf(m.id);
    expect(words!.text).toBe('低保怎么申请\n（看过常见问题“怎么申请低保？”的解答，还没解决）');
    await saw(o, new RegExp(`【新事项】${ref} · 咨询`));
  });

  it('offers a likely question to choose, and "helpful" files nothing', async () => {
    const { p: v, row } = await villager();
    await v.say('咨询');
    await v.waitForText('请问您想了解什么');
    await v.say('田里的稻草能不能烧');
    const pick = await v.waitForText('您想问的是下面哪一个');
    expect(pick.buttons.flat().map((b) => b.label)).toEqual(['秸秆能烧吗？怎么处理？', '都不是，请网格员解答']);
    await v.press('秸秆能烧吗？怎么处理？');
    await v.waitForText('禁止露天焚烧');
    await v.press('👍 有帮助，谢谢');
    await v.waitForText('能帮上忙就好');
    expect(await mattersOf(row.id)).toHaveLength(0);
  });
});

describe('我的事项', () => {
  async function filed(v: TelegramPerson, text: string) {
    await v.say('反映问题');
    await v.press('📢 投诉意见');
    await v.waitForText('请说一说是什么事');
    await v.say(text);
    await v.press('✅ 说完了');
    await v.waitForText('事情发生在哪里');
    await v.say('跳过');
    await v.press('📨 提交');
    return refIn((await saw(v, new RegExp(`已受理，受理编号.*`))).text);
  }

  it('lists only the villager’s own matters, with steps and a timeline; urges once per period; withdraws after asking', async () => {
    const { p: o } = await officer();
    const { p: v } = await villager('王秀英');
    const { p: other } = await villager('刘根生');
    const mine = await filed(v, '垃圾站好几天没人清运了。');
    await saw(o, `【新事项】${mine}`);
    const theirs = await filed(other, '路灯坏了三盏。');
    await saw(o, `【新事项】${theirs}`);

    v.mark();
    await v.say('我的事项');
    const list = await v.waitForText('您反映的事项（共 1 件）');
    expect(list.text).toContain(mine);
    expect(list.text).not.toContain(theirs);
    const button = list;
    expect(button.buttons.flat().some((b) => b.label.startsWith(theirs))).toBe(false);
    // A forged choice naming the other villager's matter is not among the options: refused.
    const token = button.buttons[0]![0]!.data.split(':')[1];
    await v.pressData(`f:${token}:${theirs}`, button);
    await waitFor(() => emulator.callsOf('answerCallbackQuery').some((c) => String(c.body.text ?? '').includes('按钮已经过期')), 'the forged choice refused');

    await v.pressData(button.buttons.flat().find((b) => b.label.startsWith(mine))!.data, button);
    const detail = await v.waitForText(`【${mine}】投诉`);
    expect(detail.text).toContain('负责：第三组专职网格员李冬梅');
    expect(detail.text).toContain('—— 办理经过 ——');
    expect(detail.text).toMatch(/您反映了问题[\s\S]*已受理[\s\S]*交由李冬梅办理/);
    expect(detail.buttons.flat().map((b) => b.label)).toEqual(['补充情况', '催办', '撤回', '‹ 返回']);

    await v.press('催办');
    await v.waitForText('已帮您催办');
    await saw(o, `【催办】王秀英在催问事项 ${mine}`);
    await v.press('催办');
    const again = await v.waitForText('刚催过了');
    expect(again.text).toMatch(/\d+月\d+日 \d{2}:\d{2}以后/);

    await v.press('撤回');
    await v.waitForText(`确定要撤回事项 ${mine} 吗`);
    await v.press('确定撤回');
    await v.waitForText(`事项 ${mine} 已撤回`);
    expect((await matterByRef(store, mine))!.state).toBe('withdrawn');
    expect((await matterByRef(store, theirs))!.state).toBe('open');
    await saw(o, `事项 ${mine} 已由王秀英撤回`);
  });

  it('refuses a forged rating button for someone else’s matter, with a short notice, and changes nothing', async () => {
    const { p: o } = await officer();
    const { p: v } = await villager('王秀英');
    const { p: other } = await villager('刘根生');
    const theirs = await filed(other, '邻居家的狗天天晚上叫。');
    await saw(o, `【新事项】${theirs}`);
    const before = await matterByRef(store, theirs);

    for (const data of [`mx:evaluate:${theirs}:unsatisfied`, `mx:withdraw:${theirs}`, `mx:add_info:${theirs}`, `mx:take:${theirs}`, `mx:settle:${theirs}`]) {
      await v.pressData(data);
    }
    await waitFor(() => emulator.callsOf('answerCallbackQuery').filter((c) => String(c.body.text ?? '') === '找不到这个事项，或者它不归您办理。').length >= 5, 'five refusals');
    await bot.idle();
    const after = (await matterByRef(store, theirs))!;
    expect(after).toMatchObject({ state: before!.state, step: before!.step, level: before!.level, assigneeId: before!.assigneeId });
    const events = await store.db.select().from(matterEvents).where(eq(matterEvents.matterId, after.id));
    expect(events.map((e) => e.action)).toEqual(['report', 'receive', 'route']);
    // Nothing of the other matter was shown to them.
    expect(v.messages().some((m) => m.text.includes(theirs))).toBe(false);
  });
});
