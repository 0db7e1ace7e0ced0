// Cadres and officers in Slack beyond the card: transfer, escalation and whistle asked by the flows in the DM,
// a grid node's alert channel, /grid status|mine|stats|link, App Home, and linking an account.
import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runOp } from '../../../src/app/ops.js';
import { intake } from '../../../src/services/intake-service.js';
import { gridNodes, identities, matterEvents, matters, roles, summons } from '../../../src/store/schema.js';
import { newBackup, newGridLeader, newNode, newOfficer, newPerson, newTree, newVillager, type PersonRow, type Tree } from '../../support/factories.js';
import { newDepartment } from '../../support/matter-factories.js';
import { FakeSlackApi } from '../../support/slack/fake-slack-api.js';
import { buttonPress, eventRequest, slashCommand, viewSubmission } from '../../support/slack/signed-requests.js';
import { cardsOf, linkSlack, startSlackHarness, type SlackHarness } from '../../support/slack/slack-harness.js';
import { SlackPerson } from '../../support/slack/slack-person.js';
import { openTestStore, type TestStore } from '../../support/store.js';
import { waitFor } from '../../support/wait.js';

const OFFICER = 'U0OFFICER1';
const OFFICER_DM = FakeSlackApi.dmOf(OFFICER);
const BACKUP = 'U0BACKUP01';
const LEADER = 'U0LEADER01';
const TOWN = 'U0TOWN0001';
const VILLAGE_CHANNEL = 'C0SHUICHUAN';

describe('cadres and officers in Slack', () => {
  let store: TestStore;
  let api: FakeSlackApi;
  let h: SlackHarness;
  let tree: Tree;
  let officer: PersonRow;
  let backup: PersonRow;
  let leader: PersonRow;
  let townCadre: PersonRow;
  let seq = 0;
  let responses = 0;

  beforeAll(async () => {
    store = await openTestStore('postgres');
    api = await FakeSlackApi.start();
  });
  afterAll(async () => {
    await api?.stop();
    await store?.close();
  });
  beforeEach(async () => {
    await store.reset();
    api.reset();
    h = await startSlackHarness(store, api);
    tree = await newTree(store.db);
    officer = await newOfficer(store.db, tree.unit, '李冬梅');
    backup = await newBackup(store.db, tree.unit, '刘建国');
    leader = await newGridLeader(store.db, tree.village, '张国华');
    townCadre = await newPerson(store.db, { name: '何建军', role: 'grid_leader', at: tree.township, title: '湖泽镇网格长' });
    await newVillager(store.db, tree.unit, '罗秀英', { telegram: '1001' });
    for (const [p, u] of [[officer, OFFICER], [backup, BACKUP], [leader, LEADER], [townCadre, TOWN]] as const) await linkSlack(store.db, p.id, u);
  });
  afterEach(async () => {
    await h?.close();
  });

  const matterRow = async (id: string) => (await store.db.select().from(matters).where(eq(matters.id, id)))[0]!;

  async function reported(text = '邻居家的牛把我家菜地踩了。') {
    const r = await intake(h.runtime.ctx, { eventId: `telegram:update:c${Date.now()}${++seq}`, platform: 'telegram', externalUserId: '1001', kind: 'report', category: 'dispute', text, receivedAt: h.runtime.ctx.now().toISOString() });
    if (r.status !== 'created') throw new Error(r.status);
    const [card] = await waitFor(async () => {
      const cards = await cardsOf(store.db, r.matter.id);
      return cards.length ? cards : null;
    }, 'the officer card');
    return { matter: r.matter, card: card! };
  }

  /** `/grid …`: the flows answer in the person's DM, as its Telegram command is answered in the chat. */
  async function command(user: string, text: string): Promise<string> {
    const url = `${api.url}/respond/${++responses}`;
    const before = api.called('chat.postMessage').length;
    await h.send(slashCommand({ user, channel: FakeSlackApi.dmOf(user), text, responseUrl: url }));
    const call = await waitFor(() => api.called('chat.postMessage').slice(before).find((c) => c.args.channel === user) ?? null, `the answer to /grid ${text}`);
    return String(call.args.text);
  }

  it('transfers to someone of the grid line chosen in the DM; the old card loses its buttons', async () => {
    const { matter, card } = await reported();
    const o = new SlackPerson(h, OFFICER).mark();
    await h.send(buttonPress({ user: OFFICER, channel: OFFICER_DM, messageTs: card.ts, value: `mx:transfer:${matter.ref}`, blockId: `card_${matter.ref}` }));
    const who = await o.waitForText('转给谁办理');
    const options = who.buttons.map((b) => b.label).join(' ');
    expect(options).toContain('刘建国');
    expect(options).toContain('张国华');
    expect(options).not.toContain('李冬梅'); // not to oneself
    await o.press(/刘建国/);
    await o.waitForText('转办的原因');
    await o.say('我明天去县里开会');
    await waitFor(async () => (await matterRow(matter.id)).assigneeId === backup.id, 'the transfer');
    // The new assignee gets a card of their own; the old one is redrawn without buttons.
    await h.waitCall('chat.postMessage', (c) => c.args.channel === BACKUP && FakeSlackApi.textOf(c).includes(matter.ref), 'the card for 刘建国');
    const redrawn = await h.waitCall('chat.update', (c) => c.args.ts === card.ts && FakeSlackApi.textOf(c).includes('刘建国'));
    expect(JSON.stringify(redrawn.args.blocks)).not.toContain('"mx:');
    await o.waitForText('刘建国');
    const [event] = (await store.db.select().from(matterEvents).where(eq(matterEvents.matterId, matter.id))).filter((e) => e.action === 'transfer');
    expect(event!.note).toBe('我明天去县里开会');
  });

  it('escalates with a reason; the village alert channel gets a card a township cadre works from; a whistle summons a department', async () => {
    await store.db.update(gridNodes).set({ alertSlackChannel: VILLAGE_CHANNEL }).where(eq(gridNodes.id, tree.village.id));
    const dept = await newDepartment(store.db, { code: 'water', name: '湖泽镇水利站', at: tree.township });
    const { matter, card } = await reported('河堤有一段塌了，小孩常在那里玩。');

    const o = new SlackPerson(h, OFFICER).mark();
    await h.send(buttonPress({ user: OFFICER, channel: OFFICER_DM, messageTs: card.ts, value: `mx:escalate:${matter.ref}`, blockId: `card_${matter.ref}` }));
    await o.waitForText('为什么要上报');
    // The reason is written in the flow's modal; an empty one is refused in the modal itself.
    const opened = api.called('views.open').length;
    await o.press('填写');
    const view = (await waitFor(() => api.called('views.open')[opened] ?? null, 'the answer modal')).args.view as Record<string, any>;
    const empty = await h.send(viewSubmission({ user: OFFICER, view, values: { text: '   ' } }));
    expect(await empty.json()).toMatchObject({ response_action: 'errors', errors: { text: expect.stringContaining('内容是空的') } });
    await h.send(viewSubmission({ user: OFFICER, view, values: { text: '需要村里协调挖掘机' } }));
    await waitFor(async () => (await matterRow(matter.id)).level === 'village', 'the escalation');

    // The village grid leader gets an 'escalated' card in their DM; the village's alert goes to its channel.
    await h.waitCall('chat.postMessage', (c) => c.args.channel === LEADER && FakeSlackApi.textOf(c).includes(matter.ref), 'the leader card');
    const alert = await h.waitCall('chat.postMessage', (c) => c.args.channel === VILLAGE_CHANNEL, 'the village channel card');
    expect(FakeSlackApi.textOf(alert)).toContain('mx:supervise:');
    const channelCard = await waitFor(async () => (await cardsOf(store.db, matter.id)).find((c) => c.channel === VILLAGE_CHANNEL), 'the channel card recorded');
    expect(channelCard.personId).toBeNull();

    // A township cadre supervises from the channel card (the flow asks his word in his DM); every
    // card of the matter is redrawn.
    const t = new SlackPerson(h, TOWN).mark();
    await h.send(buttonPress({ user: TOWN, channel: VILLAGE_CHANNEL, messageTs: channelCard.ts, value: `mx:supervise:${matter.ref}`, blockId: `card_${matter.ref}` }));
    await t.waitForText('督办事项');
    await t.press('请今天之内办结。');
    await waitFor(async () => (await matterRow(matter.id)).supervised, 'the supervision');
    await h.waitCall('chat.update', (c) => c.args.ts === channelCard.ts);
    await h.waitCall('chat.update', (c) => c.args.ts === card.ts && FakeSlackApi.textOf(c).includes('张国华'));

    // 吹哨: the cadre summons the water station from the channel card; the flow asks in his DM.
    t.mark();
    await h.send(buttonPress({ user: TOWN, channel: VILLAGE_CHANNEL, messageTs: channelCard.ts, value: `mx:whistle:${matter.ref}`, blockId: `card_${matter.ref}` }));
    const depts = await t.waitForText('要请哪个部门来协办');
    expect(depts.buttons.map((b) => b.label)).toContain(dept.name);
    await t.press(dept.name);
    await t.waitForText('请写一下需要部门做什么');
    await t.say('河堤塌方，请水利站到场');
    await waitFor(async () => (await store.db.select().from(summons).where(eq(summons.matterId, matter.id))).length === 1, 'the summons');

    // A press by someone with no place on this line is refused where they pressed.
    const stranger = await newOfficer(store.db, tree.otherUnit, '赵红梅');
    await linkSlack(store.db, stranger.id, 'U0OTHER001');
    await h.send(buttonPress({ user: 'U0OTHER001', channel: VILLAGE_CHANNEL, messageTs: channelCard.ts, value: `mx:takeover:${matter.ref}` }));
    const refused = await h.waitCall('chat.postEphemeral', (c) => c.args.user === 'U0OTHER001' && c.args.channel === VILLAGE_CHANNEL);
    expect(String(refused.args.text)).toContain('找不到这个事项');
    expect((await matterRow(matter.id)).assigneeId).not.toBe(stranger.id);
  });

  it('answers /grid status, mine and stats, and shows App Home with overdue matters first', async () => {
    const first = await reported('村口的路灯坏了三天了。');
    const second = await reported('自来水管冻裂了。');
    // The second one is already overdue.
    await store.db.update(matters).set({ dueAt: new Date(h.clock!.now().getTime() - 3600_000) }).where(eq(matters.id, second.matter.id));

    const status = await command(OFFICER, `status ${first.matter.ref}`);
    expect(status).toContain(first.matter.ref);
    expect(status).toContain('分流'); // the matter's detail, with its buttons
    expect(await command(OFFICER, 'status 1234-5678')).toContain('不对');
    // Someone with no relation to the matter learns nothing about it.
    const other = await newOfficer(store.db, tree.otherUnit, '赵红梅');
    await linkSlack(store.db, other.id, 'U0OTHER001');
    expect(await command('U0OTHER001', `status ${first.matter.ref}`)).toContain('找不到这个事项');

    const mine = await command(OFFICER, 'mine');
    expect(mine.indexOf(second.matter.ref)).toBeGreaterThan(-1);
    expect(mine.indexOf(second.matter.ref)).toBeLessThan(mine.indexOf(first.matter.ref));
    expect(mine).toContain('超时');

    const stats = await command(LEADER, 'stats');
    expect(stats).toContain('水川村');
    expect(stats).toContain('受理 2 件');
    expect(await command('U0NOBODY01', 'stats')).toContain('/grid link');
    // /grid alone is the flows' help, naming the commands as Slack types them.
    const help = await command(OFFICER, '');
    expect(help).toContain('卡片');
    expect(help).toContain('/grid status 受理编号');
    expect(help).toContain('/grid stats');
    expect(help).toContain('/grid lang');
    expect(help).not.toContain(' /lang');

    await h.send(eventRequest({ type: 'app_home_opened', user: OFFICER, channel: OFFICER_DM, tab: 'home' }));
    const home = await h.waitCall('views.publish', (c) => c.args.user_id === OFFICER);
    const view = JSON.stringify(home.args.view);
    expect(view).toContain('李冬梅');
    expect(view.indexOf(second.matter.ref)).toBeLessThan(view.indexOf(first.matter.ref));
    expect(view).toContain('第三组'); // the figures of the officer's node
  });

  it('App Home and /grid stats show the figures of every grid the officer covers and of the matters she holds', async () => {
    // 李冬梅 looks after 第三组 and 第四组 (水川村第三、四组专职网格员).
    await store.db.insert(roles).values({ personId: officer.id, gridNodeId: tree.otherUnit.id, role: 'officer_full', title: '第四组专职网格员' });
    await newVillager(store.db, tree.otherUnit, '何秋菊', { telegram: '1002' });
    await reported('邻居家的牛把我家菜地踩了。');
    const fourth = await intake(h.runtime.ctx, { eventId: `telegram:update:c4-${++seq}`, platform: 'telegram', externalUserId: '1002', kind: 'report', category: 'help', text: '屋顶漏雨，想请人看看。', receivedAt: new Date().toISOString() });
    if (fourth.status !== 'created') throw new Error(fourth.status);
    // And a matter of 第五组, which she does not cover, handed to her.
    const fifth = await newNode(store.db, { name: '第五组', level: 'unit', parent: tree.village });
    await newVillager(store.db, fifth, '赵大山', { telegram: '1003' });
    const lent = await intake(h.runtime.ctx, { eventId: `telegram:update:c5-${++seq}`, platform: 'telegram', externalUserId: '1003', kind: 'report', category: 'other', text: '路边的树倒了。', receivedAt: new Date().toISOString() });
    if (lent.status !== 'created') throw new Error(lent.status);
    await waitFor(async () => (await matterRow(fourth.matter.id)).assigneeId === officer.id, 'the 第四组 matter routed to her');
    await waitFor(async () => (await matterRow(lent.matter.id)).assigneeId !== null, 'the 第五组 matter routed');
    await store.db.update(matters).set({ assigneeId: officer.id }).where(eq(matters.id, lent.matter.id));

    await h.send(eventRequest({ type: 'app_home_opened', user: OFFICER, channel: OFFICER_DM, tab: 'home' }));
    const home = await h.waitCall('views.publish', (c) => c.args.user_id === OFFICER);
    const sections = (home.args.view as { blocks: Array<{ text?: { text: string } }> }).blocks.map((b) => b.text?.text ?? '');
    const figuresOf = (grid: string) => sections.find((t) => t.includes(`${grid}的统计数据`));
    expect(figuresOf('第三组')).toContain('受理 1 件');
    expect(figuresOf('第四组')).toContain('受理 1 件');
    expect(figuresOf('第五组')).toContain('受理 1 件');
    expect(figuresOf('水川村')).toBeUndefined();

    const stats = await command(OFFICER, 'stats');
    for (const grid of ['第三组', '第四组', '第五组']) expect(stats).toContain(`${grid}的统计数据`);
    // The village's grid leader covers all three inside one node: one set of figures.
    const leaders = await command(LEADER, 'stats');
    expect(leaders).toContain('水川村的统计数据');
    expect(leaders).toContain('受理 3 件');
    expect(leaders).not.toContain('第三组的统计数据');
  });

  it('links a Slack account with a one-time code made by the administrator, once', async () => {
    const villageCadre = await newPerson(store.db, { name: '陈国华', role: 'cadre', at: tree.village, title: '水川村村委会主任', telegram: '3001' });
    const issued = (await runOp(h.runtime.ctx, 'linkcode', { person: villageCadre.code })) as { code: string };
    expect(issued.code).toMatch(/^[2-9A-Z]{8}$/);
    expect(await command('U0CHEN0001', 'stats')).toContain('/grid link');
    expect(await command('U0CHEN0001', `link ${issued.code.toLowerCase()}`)).toContain('陈国华');
    const linked = await store.db.select().from(identities).where(eq(identities.externalId, 'U0CHEN0001'));
    expect(linked.map((i) => i.personId)).toEqual([villageCadre.id]);
    expect(await command('U0CHEN0001', 'stats')).toContain('水川村');
    // Used codes and foreign codes do nothing.
    expect(await command('U0SOMEONE1', `link ${issued.code}`)).toContain('不对或已过期');
    expect(await command('U0SOMEONE1', 'link NOPE-NOPE')).toContain('不对或已过期');
    // An account linked to someone else cannot be taken over with another person's code.
    const again = (await runOp(h.runtime.ctx, 'linkcode', { person: officer.code })) as { code: string };
    expect(await command('U0CHEN0001', `link ${again.code}`)).toContain('已经绑定了别人');
    // And /grid link without a code gives one for Telegram.
    expect(await command(OFFICER, 'link')).toMatch(/\/link [2-9A-Z]{8}/);
  });
});
