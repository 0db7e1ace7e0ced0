// The whistle (吹哨报到) with one party on each platform, in one service: the villager reports on
// WeChat (微信客服), the officer takes it from a template card in the WeCom app, the township's
// cadre takes it over in Slack and whistles the water station, whose liaison reports in and signs
// off on Telegram; the cadre rates the station's part and settles, and the villager reads the
// result on WeChat. The matter leaves the same kinds of events as the whistle on Telegram alone
// (test/e2e/telegram/climb-and-whistle.test.ts), and no 微信客服 message met a closed window.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matterEvents, matters, summons } from '../../../src/store/schema.js';
import { newDepartmentWithLiaison } from '../../support/alert-factories.js';
import { newOfficer, newPerson, newTree, newVillager } from '../../support/factories.js';
import { FakeSlackApi } from '../../support/slack/fake-slack-api.js';
import { linkSlack, startSlackHarness, type SlackHarness } from '../../support/slack/slack-harness.js';
import { SlackPerson } from '../../support/slack/slack-person.js';
import { openTestStore, type TestStore } from '../../support/store.js';
import { TelegramEmulator } from '../../support/telegram/emulator.js';
import { TelegramPerson } from '../../support/telegram/person.js';
import { refIn, saw } from '../../support/telegram-flows.js';
import { waitFor } from '../../support/wait.js';
import { FakeWecom } from '../../support/wecom/fake-wecom.js';
import { AppMember, KfVillager, linkWecom } from '../../support/wecom/wecom-bot.js';

const TOWN = 'U0TOWN0004';
const STATION = '湖泽镇水利站';
/** The kinds of event the whistle leaves on Telegram alone (report to settle, one department or two). */
const WHISTLE_EVENTS = ['rate_department', 'receive', 'reply', 'report', 'report_in', 'route', 'settle', 'sign_off', 'take', 'transfer', 'whistle'];

let store: TestStore;
let api: FakeSlackApi;
let emulator: TelegramEmulator;
let fake: FakeWecom;
let h: SlackHarness;

beforeAll(async () => {
  store = await openTestStore('postgres');
  api = await FakeSlackApi.start();
  emulator = await TelegramEmulator.start();
  fake = await FakeWecom.start();
  h = await startSlackHarness(store, api, { emulator, wecom: fake });
});

afterAll(async () => {
  await h?.close();
  await fake?.stop();
  await emulator?.close();
  await api?.stop();
  await store?.close();
});

describe('the whistle across four platforms', () => {
  it('WeChat reports, WeCom takes, Slack whistles and rates, Telegram reports in and signs off', async () => {
    const tree = await newTree(store.db);
    const officer = await newOfficer(store.db, tree.unit, '李冬梅');
    await linkWecom(store.db, officer.id, { userId: 'LiDongMei' });
    const villager = await newVillager(store.db, tree.unit, '罗秀英');
    await linkWecom(store.db, villager.id, { externalUserId: 'wmVillagerLuo01' });
    const town = await newPerson(store.db, { name: '何建军', role: 'grid_leader', at: tree.township, title: '湖泽镇网格长' });
    await linkSlack(store.db, town.id, TOWN);
    const l = new TelegramPerson(emulator, { userId: 870_001, firstName: '吴海', languageCode: 'zh-hans' });
    const water = await newDepartmentWithLiaison(store.db, { code: 'shuili', name: STATION, at: tree.township, liaison: '吴海', telegram: String(l.userId) });
    let ref = '';
    const v = new KfVillager(fake, 'wmVillagerLuo01');
    const o = new AppMember(fake, h.wecom!, 'LiDongMei');
    const t = new SlackPerson(h, TOWN);
    /** The matter's detail, opened from `/grid mine` in Slack (its buttons are the holder's). */
    const openFromMine = async () => {
      t.mark();
      await t.command('mine');
      const desk = await t.waitForText('您手上');
      await t.press(desk.buttons.find((b) => b.label.includes(ref) || b.label.includes('山塘'))!.label);
      await t.waitForText(`【${ref}】`);
      t.mark();
    };

    // The villager reports on WeChat and gets one receipt.
    ref = refIn((await v.report('🙋 生活求助', '山塘堤坝渗水，下游有五户人家。')).text);

    // The officer takes it from the card in the WeCom app; the villager hears it on WeChat.
    const card = await o.card('接单');
    await o.press(card, '接单');
    await v.waitFor(`${ref} 已由第三组专职网格员李冬梅接手办理`);

    // The township's cadre takes it over from Slack.
    await t.command(`status ${ref}`);
    await t.waitForText(ref);
    t.mark();
    await t.press('我来接手');
    await t.waitForText(`事项 ${ref} 由您接手办理了`);
    const [row] = await store.db.select().from(matters).where(eq(matters.ref, ref));
    expect(row!.assigneeId).toBe(town.id);

    // Relieved, the officer still helps on it: 我的事项 in the WeCom app says so.
    o.mark();
    await o.say('我的事项');
    expect((await o.waitFor('您协助办理的事项（1 件）')).text).toContain(ref);

    // The cadre whistles the water station from the matter, opened from /grid mine.
    await openFromMine();
    await t.press('吹哨');
    await t.waitForText('要请哪个部门来协办');
    await t.press(STATION);
    await t.waitForText('需要部门做什么');
    await t.say('请水利站到场查看堤坝');
    await t.waitForText('已吹哨');

    // The liaison reads the summons on Telegram and reports in; the cadre hears it in Slack.
    const call = await saw(l, '【吹哨报到】');
    expect(call.text).toContain(ref);
    await l.pressData(call.buttons.flat().find((b) => b.label === '报到')!.data, call);
    await t.waitForText(`【部门报到】${STATION}`);

    // Settling while the station still works is refused at the press, naming it: no result asked.
    await openFromMine();
    await t.press('办结');
    expect((await t.waitForText('还不能办结')).text).toContain(STATION);
    expect(t.messages().some((m) => m.text.includes('办理结果'))).toBe(false);

    // The cadre answers the villager from Slack; she reads it on WeChat.
    await openFromMine();
    await t.press('回复');
    await t.waitForText('请写给群众的答复');
    await t.say('水利站已到场，正在封堵渗水点。');
    await t.press('📨 发送');
    await t.waitForText('已发给群众');
    const answer = await v.waitFor('水利站已到场，正在封堵渗水点。');
    expect(answer.text).toContain(ref);
    expect(answer.text).toContain('何建军');
    // That was the 5th message since she last wrote (微信客服's limit): she asks after her matters,
    // which opens the window again for what follows.
    v.mark();
    await v.say('我的事项');
    expect((await v.waitFor(ref)).text).toContain('山塘堤坝渗水');

    // The station signs off its part on Telegram.
    const marked = await waitFor(() => l.messages().find((x) => x.messageId === call.messageId && x.buttons.flat().some((b) => b.label === '本部门办结')) ?? null, 'the summons marked');
    l.mark();
    await l.pressData(marked.buttons.flat().find((b) => b.label === '本部门办结')!.data, marked);
    await l.waitForText('本部门办了什么');
    await l.say('渗水点已封堵，堤坝稳住了。');
    await l.waitForText('已确认本部门办完');

    // The cadre reads the sign-off in Slack and rates the station's part, with a word.
    const signedOff = await t.waitForText(`【部门办结】${STATION}`);
    expect(signedOff.buttons.map((b) => b.label)).toContain(`评价${STATION}`);
    t.mark();
    await t.press(`评价${STATION}`);
    await t.waitForText(`请为${STATION}在事项`);
    await t.press('5 分 · 很好');
    await t.waitForText('想对这个部门说句话吗');
    await t.say('来得快，堵得牢。');
    await t.waitForText(`已为${STATION}在事项`);

    // Now it settles; the villager reads the result on WeChat with the rating menu.
    await openFromMine();
    await t.press('办结');
    await t.waitForText('办理结果');
    await t.say('堤坝渗水点已封堵，下游五户安全。');
    await t.waitForText('已办结');
    const settled = await v.waitFor(`${ref} 已办结`);
    expect(settled.text).toContain('下游五户安全');
    expect(settled.buttons.map((b) => b.label)).toEqual(['满意', '基本满意', '不满意']);

    const [part] = await store.db.select().from(summons).where(eq(summons.matterId, row!.id));
    expect([part!.departmentId, part!.rating, part!.ratedById]).toEqual([water.dept.id, 5, town.id]);
    await h.idle();
    expect(v.messages().filter((m) => m.text.includes('受理编号'))).toHaveLength(1);
    const kinds = new Set((await store.db.select().from(matterEvents).where(eq(matterEvents.matterId, row!.id))).map((e) => e.action));
    expect([...kinds].sort()).toEqual(WHISTLE_EVENTS);
    // Every 微信客服 message went out within the window.
    expect(fake.windowRefusals).toEqual([]);
  }, 180_000);
});
