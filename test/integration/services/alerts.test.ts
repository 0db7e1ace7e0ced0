// Cadre alerts on both stores, with the clock moved by the test: quiet hours hold what can wait
// for the morning digest, disputes go at once, the evening sweep lists exactly the unsettled
// disputes, a node's group chat receives its alerts, and supervision shows in the lists.
import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { render } from '../../../src/cli/render.js';
import { t } from '../../../src/i18n/index.js';
import type { ServiceContext } from '../../../src/ports/context.js';
import { eveningSweep, morningDigest, sweepSlots } from '../../../src/services/daily-alerts.js';
import { intake } from '../../../src/services/intake-service.js';
import { performAction } from '../../../src/services/matter-actions.js';
import { renderDelivery } from '../../../src/services/notify-service.js';
import { sendQueued } from '../../../src/services/send-service.js';
import { routeMatter } from '../../../src/services/routing-service.js';
import { listMatters } from '../../../src/store/repositories/matter-repository.js';
import { deliveries, disputeCutoffs, matters, outbox } from '../../../src/store/schema.js';
import type { Category } from '../../../src/domain/types.js';
import { setAlerts } from '../../support/alert-factories.js';
import { newGridLeader, newNode, newOfficer, newPerson, newTree, newVillager, type Tree } from '../../support/factories.js';
import { RecordingChannel } from '../../support/recording-channel.js';
import { testLogger } from '../../support/runtime.js';
import { openTestStore, STORE_KINDS, type TestStore } from '../../support/store.js';

const SH = 'Asia/Shanghai';
/** A local time in 湖泽镇 (UTC+8). */
const local = (day: string, hhmm: string) => new Date(`${day}T${hhmm}:00+08:00`);

describe.each(STORE_KINDS)('cadre alerts on %s', (kind) => {
  let store: TestStore;
  let ctx: ServiceContext;
  let tree: Tree;
  let clock = local('2026-11-27', '10:00');
  let n = 0;

  beforeAll(async () => {
    store = await openTestStore(kind);
    ctx = { db: store.db, now: () => clock, logger: testLogger, outboxWritten: () => {} };
  });
  afterAll(async () => {
    await store?.close();
  });
  beforeEach(async () => {
    await store.reset();
    clock = local('2026-11-27', '10:00');
    tree = await newTree(store.db);
  });

  async function cast() {
    const officer = await newOfficer(store.db, tree.unit, '李冬梅', { telegram: '2002' });
    const leader = await newGridLeader(store.db, tree.village, '张国华', { telegram: '2009' });
    const villageCadre = await newPerson(store.db, { name: '黄春兰', role: 'cadre', at: tree.village, telegram: '2010', title: '水川村村委委员' });
    const townCadre = await newPerson(store.db, { name: '何建军', role: 'grid_leader', at: tree.township, telegram: '3001', title: '湖泽镇网格长' });
    const villager = await newVillager(store.db, tree.unit, '罗秀英', { telegram: '1001' });
    return { officer, leader, villageCadre, townCadre, villager };
  }

  async function reported(category: Category, text: string, telegram = '1001', urgent?: boolean) {
    const r = await intake(ctx, { eventId: `a:${++n}`, platform: 'telegram', externalUserId: telegram, kind: 'report', category, text, urgent, receivedAt: clock.toISOString() });
    if (r.status !== 'created') throw new Error(r.status);
    await routeMatter(ctx, r.matter.id);
    return (await store.db.select().from(matters).where(eq(matters.id, r.matter.id)))[0]!;
  }

  const alertsOf = async (template: string, matterId?: string) =>
    (await store.db.select().from(deliveries).where(eq(deliveries.template, template))).filter((d) => !matterId || d.matterId === matterId);
  const queuedRecipients = async () => (await store.db.select().from(outbox).where(eq(outbox.queue, 'send'))).map((o) => (o.payload as { recipient: string }).recipient);

  it('holds a complaint alert in quiet hours for the morning digest, and sends a dispute alert at once', async () => {
    const p = await cast();
    // Settled on the 27th: counted as "settled yesterday" in the digest of the 28th.
    const help = await reported('help', '村口路灯不亮');
    await performAction(ctx, { matter: help.ref, actorId: p.officer.id, request: { action: 'take' } });
    await performAction(ctx, { matter: help.ref, actorId: p.officer.id, request: { action: 'settle', result: '已换灯泡' } });

    clock = local('2026-11-27', '23:00');
    const complaint = await reported('complaint', '隔壁厂子半夜还在施工，吵得睡不着');
    const dispute = await reported('dispute', '两家为排水沟打起来了');
    for (const m of [complaint, dispute]) {
      await performAction(ctx, { matter: m.ref, actorId: p.officer.id, request: { action: 'take' } });
      await performAction(ctx, { matter: m.ref, actorId: p.officer.id, request: { action: 'escalate', reason: '需要村里出面' } });
    }
    const held = await alertsOf('escalation_alert', complaint.id);
    const sent = await alertsOf('escalation_alert', dispute.id);
    // The village's cadres, not the leader twice (he is also the new assignee, told by 'escalated').
    expect(held.map((d) => d.personId).sort()).toEqual([p.leader.id, p.villageCadre.id].sort());
    expect(held.every((d) => d.status === 'held' && d.gridNodeId === tree.village.id)).toBe(true);
    expect(sent.every((d) => d.status === 'pending')).toBe(true);
    const queued = await queuedRecipients();
    expect(sent.every((d) => queued.includes(d.recipient))).toBe(true);
    // The send job passes held alerts by: the cadres' queues drained, the dispute's alerts are sent, the complaint's still held.
    const opts = { channels: new Map([['telegram', new RecordingChannel('telegram')]] as const), fallback: new RecordingChannel('cli'), timezone: SH };
    for (const d of held) await sendQueued(ctx, opts, d.recipient, { claimer: 'drain', final: false });
    expect((await alertsOf('escalation_alert', complaint.id)).every((d) => d.status === 'held')).toBe(true);
    expect((await alertsOf('escalation_alert', dispute.id)).every((d) => d.status === 'sent')).toBe(true);

    // A village nobody can take a matter in: the "unassigned" alert of a complaint waits too.
    const xiafang = await newNode(store.db, { name: '下坊村', level: 'village', parent: tree.township });
    const xfUnit = await newNode(store.db, { name: '下坊第一组', level: 'unit', parent: xiafang });
    const xfCadre = await newPerson(store.db, { name: '邹国庆', role: 'cadre', at: xiafang, telegram: '2109' });
    await newVillager(store.db, xfUnit, '刘根生', { telegram: '1002' });
    const stray = await reported('complaint', '垃圾没人收', '1002');
    expect((await alertsOf('unassigned', stray.id)).map((d) => [d.personId, d.status])).toEqual([[xfCadre.id, 'held']]);

    // Due at 07:00 (set here: the due time itself is the deadline rules' business).
    await store.db.update(matters).set({ dueAt: local('2026-11-28', '07:00') }).where(eq(matters.id, dispute.id));
    await store.db.update(matters).set({ dueAt: local('2026-11-30', '23:00') }).where(eq(matters.id, complaint.id));
    // 07:30 the next morning: each village cadre gets the figures and what was held for them.
    clock = local('2026-11-28', '07:30');
    const out = await morningDigest(ctx, SH);
    expect(out).toMatchObject({ outcome: 'done', day: '2026-11-28', sent: 3, no_one_to_tell: 1 });
    const digests = await alertsOf('digest');
    // The leader gets the village's digest (and may get another node's): the village's, by its name (rows come back in no set order).
    const forLeader = digests.find((d) => d.personId === p.leader.id && d.params.grid === '水川村')!;
    expect(forLeader.params).toMatchObject({ grid: '水川村', day: '2026-11-28', open: 2, overdue: 1, settledOnDay: 1, supervised: 0, openDisputes: 1 });
    expect((forLeader.params.held as Array<{ template: string; params: { ref?: string } }>).map((h) => [h.template, h.params.ref])).toEqual([['escalation_alert', complaint.ref]]);
    const forXiafang = digests.find((d) => d.personId === xfCadre.id)!;
    expect((forXiafang.params.held as Array<{ template: string; params: { ref?: string } }>).map((h) => [h.template, h.params.ref])).toEqual([['unassigned', stray.ref]]);
    const text = renderDelivery(forLeader, 'zh-CN', SH).text;
    expect(text).toContain('夜间暂存的提醒（1 条）');
    expect(text).toContain(complaint.ref);
    expect(text).toContain('昨日办结 1 件');
    expect(digests.find((d) => d.personId === p.townCadre.id)!.params.held).toEqual([]);
    expect((await alertsOf('escalation_alert', complaint.id)).map((d) => d.status)).toEqual(['digested', 'digested']);
    // Run twice (a retried job): nothing more is sent.
    expect(await morningDigest(ctx, SH)).toMatchObject({ already_sent: 3 });
    expect((await alertsOf('digest')).length).toBe(digests.length);
  });

  it('lets a hazard marked urgent through quiet hours, and holds one that is not', async () => {
    const p = await cast();
    clock = local('2026-11-28', '02:00');
    const urgent = await reported('hazard', '后山滑坡，石头滚到路上了', '1001', true);
    const plain = await reported('hazard', '桥栏杆松了', '1001', false);
    const loud = await reported('complaint', '投诉也想加急', '1001', true);
    expect([urgent.urgent, plain.urgent, loud.urgent]).toEqual([true, false, false]);
    for (const m of [urgent, plain, loud]) await performAction(ctx, { matter: m.ref, actorId: p.officer.id, request: { action: 'escalate' } });
    const status = async (id: string) => [...new Set((await alertsOf('escalation_alert', id)).map((d) => d.status))];
    expect(await status(urgent.id)).toEqual(['pending']);
    expect(await status(plain.id)).toEqual(['held']);
    expect(await status(loud.id)).toEqual(['held']);
  });

  it('sweeps exactly the unsettled disputes to the village and the township in the evening', async () => {
    const p = await cast();
    const xiafang = await newNode(store.db, { name: '下坊村', level: 'village', parent: tree.township });
    const xfUnit = await newNode(store.db, { name: '下坊第一组', level: 'unit', parent: xiafang });
    await newOfficer(store.db, xfUnit, '邹海波', { telegram: '2102' });
    const xfLeader = await newGridLeader(store.db, xiafang, '邹国庆', { telegram: '2109' });
    await newVillager(store.db, xfUnit, '邹秀英', { telegram: '1101' });

    const open1 = await reported('dispute', '宅基地界址纠纷');
    const settled = await reported('dispute', '鸡跑进菜地');
    await performAction(ctx, { matter: settled.ref, actorId: p.officer.id, request: { action: 'take' } });
    await performAction(ctx, { matter: settled.ref, actorId: p.officer.id, request: { action: 'settle', result: '赔了菜苗' } });
    const withdrawn = await reported('dispute', '借钱不还');
    await performAction(ctx, { matter: withdrawn.ref, actorId: p.villager.id, request: { action: 'withdraw', reason: '还了' } });
    await reported('complaint', '广场舞太吵');
    clock = local('2026-11-27', '15:00');
    const open2 = await reported('dispute', '放水灌田争执', '1101');

    // The village asks for quiet from 19:00; disputes still go out (纠纷不过夜).
    await setAlerts(store.db, tree.village, { quiet: { from: '19:00', to: '07:00' } });
    clock = local('2026-11-27', '20:00');
    expect(await eveningSweep(ctx, SH)).toMatchObject({ outcome: 'done', sent: 3 });
    const sweeps = await alertsOf('sweep');
    const refsTo = (personId: string) => sweeps.find((d) => d.personId === personId)?.params.refs;
    expect(refsTo(p.leader.id)).toEqual([open1.ref]);
    expect(refsTo(p.villageCadre.id)).toEqual([open1.ref]);
    expect(refsTo(xfLeader.id)).toEqual([open2.ref]);
    expect(sweeps.every((d) => d.status === 'pending')).toBe(true);
    const shown = renderDelivery(sweeps.find((d) => d.personId === p.leader.id)!, 'zh-CN', SH);
    expect(shown.text).toContain('纠纷不过夜');
    expect(shown.text).toContain('宅基地界址纠纷');
    expect(shown.text).toContain('李冬梅');
    expect(shown.text).not.toContain('鸡跑进菜地');
    expect(shown.buttons?.flat().map((a) => a.label)).toEqual([`督办 ${open1.ref}`]);
    // The township is told how many, in which village, and may ask for the list privately: no words.
    const [town] = await alertsOf('sweep_villages');
    expect(town).toMatchObject({ personId: p.townCadre.id, status: 'pending', params: { count: 2, villages: [{ village: '水川村', count: 1 }, { village: '下坊村', count: 1 }] } });
    const townShown = renderDelivery(town!, 'zh-CN', SH);
    expect(townShown.text).toContain('· 水川村 1 件\n· 下坊村 1 件');
    expect(townShown.text).not.toContain('宅基地界址纠纷');
    expect(townShown.text).not.toContain('放水灌田争执');
    expect(townShown.buttons?.flat()).toEqual([{ label: '查看清单', data: `nx:disputes:${tree.township.id}` }]);

    expect(await eveningSweep(ctx, SH)).toMatchObject({ already_sent: 3 });
    expect((await alertsOf('sweep')).length).toBe(sweeps.length);
    expect(await alertsOf('sweep_villages')).toHaveLength(1);
  });

  it('sweeps each village and township at its own dispute cut-off', async () => {
    const p = await cast();
    // 水川村 stops taking disputes at 21:00; 湖泽镇 keeps the default 20:00.
    await store.db.insert(disputeCutoffs).values({ gridNodeId: tree.village.id, evening: '21:00', morning: '08:00' });
    const open = await reported('dispute', '宅基地界址纠纷');
    expect((await sweepSlots(store.db)).map((x) => `${x.zone}@${x.at}`).sort()).toEqual([`${SH}@20:00`, `${SH}@21:00`]);

    clock = local('2026-11-27', '20:00');
    expect(await eveningSweep(ctx, SH, '20:00')).toMatchObject({ outcome: 'done', sent: 1 });
    expect((await alertsOf('sweep_villages')).map((d) => d.personId)).toEqual([p.townCadre.id]);
    expect(await alertsOf('sweep')).toEqual([]);
    clock = local('2026-11-27', '21:00');
    expect(await eveningSweep(ctx, SH, '21:00')).toMatchObject({ outcome: 'done', sent: 1 });
    const sweeps = await alertsOf('sweep');
    expect(sweeps.map((d) => d.personId).sort()).toEqual([p.leader.id, p.villageCadre.id].sort());
    expect(sweeps.every((d) => (d.params.refs as string[]).includes(open.ref))).toBe(true);
  });

  it('sends a node’s alerts to its group chat, with the actions as buttons', async () => {
    const p = await cast();
    await setAlerts(store.db, tree.village, { telegramChat: '-100123' });
    const m = await reported('help', '村道塌了一段');
    await performAction(ctx, { matter: m.ref, actorId: p.officer.id, request: { action: 'escalate', reason: '需要村里协调' } });
    const alerts = await alertsOf('escalation_alert', m.id);
    expect(alerts.map((d) => [d.personId, d.chatPlatform, d.chatId, d.status])).toEqual([[null, 'telegram', '-100123', 'pending']]);

    const telegram = new RecordingChannel('telegram');
    const fallback = new RecordingChannel('cli');
    const result = await sendQueued(ctx, { channels: new Map([['telegram', telegram]]), fallback, timezone: SH }, alerts[0]!.recipient, { claimer: 'test', final: false });
    expect(result).toMatchObject({ outcome: 'done', sent: 1 });
    expect(telegram.sent).toHaveLength(1);
    const [{ to, message }] = telegram.sent as [(typeof telegram.sent)[number]];
    expect(to).toMatchObject({ chatId: '-100123', userId: '', group: true });
    expect(message.text).toContain(m.ref);
    // The group sees no villager's words: they are one tap away ('查看内容', sent privately).
    expect(message.actions.map((a) => a.label)).toEqual(['查看内容', '我来接手', '转办', '督办', '吹哨', '定大小事']);
    expect(message.text).not.toContain('村道塌了一段');
    expect(message.actions.map((a) => a.data)).toContain(`mx:whistle:${m.ref}`);

    // With dm: true the cadres are told as well; no adapter for the group's platform → the log.
    await setAlerts(store.db, tree.township, { slackChannel: 'C0TOWN', dm: true });
    await performAction(ctx, { matter: m.ref, actorId: p.leader.id, request: { action: 'escalate', reason: '村里解决不了' } });
    const town = (await alertsOf('escalation_alert', m.id)).filter((d) => d.gridNodeId === tree.township.id);
    expect(town.map((d) => d.chatId ?? d.personId).sort()).toEqual(['C0TOWN', p.townCadre.id].sort());
    for (const d of town) await sendQueued(ctx, { channels: new Map([['telegram', telegram]]), fallback, timezone: SH }, d.recipient, { claimer: 'test2', final: false });
    expect(fallback.sent.map((s) => s.to.chatId)).toContain('C0TOWN');
    const statuses = await store.db.select().from(deliveries).where(inArray(deliveries.id, town.map((d) => d.id)));
    expect(statuses.every((d) => d.status === 'sent')).toBe(true);
  });

  it('shows a supervised matter as supervised in every list', async () => {
    const p = await cast();
    const m = await reported('help', '低保材料交了一个月没消息');
    await performAction(ctx, { matter: m.ref, actorId: p.officer.id, request: { action: 'take' } });
    const sup = await performAction(ctx, { matter: m.ref, actorId: p.townCadre.id, request: { action: 'supervise', note: '本周内答复群众' } });
    expect(sup.ok).toBe(true);
    for (const filter of [{}, { gridPath: tree.township.path }, { gridPath: tree.unit.path, state: 'open' as const }, { assigneeId: p.officer.id }]) {
      const row = (await listMatters(store.db, filter)).find((x) => x.ref === m.ref);
      expect(row?.supervised, JSON.stringify(filter)).toBe(true);
    }
    const rows = await listMatters(store.db, {});
    expect(render('matters', rows, 'zh-CN', SH)).toContain(t('zh-CN', 'cli:matters.supervised'));
    clock = local('2026-11-28', '07:30');
    await morningDigest(ctx, SH);
    const [digest] = (await alertsOf('digest')).filter((d) => d.personId === p.townCadre.id);
    expect(digest!.params).toMatchObject({ supervised: 1, open: 1 });
  });
});
