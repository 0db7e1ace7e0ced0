// The automatic ladder on the real Postgres, with the queues on Redis and on BullMQ's PostgreSQL
// backend. Time is moved by the test (ServiceContext.now) and timers are fired by calling the
// deadline handler with the job the clock set, as the worker would: a single timer, or the tick
// of a due second with the climbs it queued.
import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Runtime } from '../../../src/app/runtime.js';
import type { LimitKind, TimerPhase } from '../../../src/domain/index.js';
import { tickJobId, type DeadlineClimb, type DeadlineTimer } from '../../../src/ports/jobs.js';
import { timerPayload, toClock } from '../../../src/services/deadline-sync.js';
import { handleDeadlineJob, reconcileDeadlines } from '../../../src/services/deadline-timers.js';
import { intake } from '../../../src/services/intake-service.js';
import { performAction } from '../../../src/services/matter-actions.js';
import { renderDelivery } from '../../../src/services/notify-service.js';
import { forgetPolicies } from '../../../src/services/policy-cache.js';
import { routeMatter } from '../../../src/services/routing-service.js';
import { deadlineClocks, deliveries, disputeCutoffs, gridNodes, matterEvents, matters, outbox, people as people_, timeLimits } from '../../../src/store/schema.js';
import { newGridLeader, newOfficer, newPerson, newTree, newVillager, type Tree } from '../../support/factories.js';
import { openTestRuntime, QUEUE_KINDS } from '../../support/runtime.js';
import { openTestStore, type TestStore } from '../../support/store.js';
import { waitFor } from '../../support/wait.js';

const beijing = (local: string) => new Date(`${local}+08:00`);
const noQueue = { remove: async () => 0 };

describe.each(QUEUE_KINDS)('the automatic ladder, queues on %s', (kind) => {
  let store: TestStore;
  let runtime: Runtime;
  let tree: Tree;
  let clock = beijing('2026-11-27T09:00');
  let n = 0;

  beforeAll(async () => {
    store = await openTestStore('postgres');
    runtime = await openTestRuntime(store, kind, { now: () => clock });
  }, 60_000);
  afterAll(async () => {
    await runtime?.close();
    await store?.close();
  });
  beforeEach(async () => {
    await store.reset();
    forgetPolicies(store.db);
    clock = beijing('2026-11-27T09:00');
    tree = await newTree(store.db);
  });

  const ctx = () => runtime.ctx;

  async function people() {
    const officer = await newOfficer(store.db, tree.unit, '李冬梅', { telegram: '2002' });
    const leader = await newGridLeader(store.db, tree.village, '张国华', { telegram: '2009' });
    const townCadre = await newPerson(store.db, { name: '何建军', role: 'grid_leader', at: tree.township, telegram: '3001', title: '湖泽镇网格长' });
    const countyCadre = await newPerson(store.db, { name: '陈卫东', role: 'cadre', at: tree.county, telegram: '4001', title: '分宜县网格办主任', locale: 'en' });
    const villager = await newVillager(store.db, tree.unit, '罗秀英', { telegram: '1001' });
    return { officer, leader, townCadre, countyCadre, villager };
  }

  async function reported(category: 'help' | 'dispute', size: 'small' | 'big' = 'small', text = '村道上的井盖丢了，晚上有人差点踩空') {
    const r = await intake(ctx(), { eventId: `t:${++n}`, platform: 'telegram', externalUserId: '1001', kind: 'report', category, size, text, receivedAt: clock.toISOString() });
    if (r.status !== 'created') throw new Error(r.status);
    await routeMatter(ctx(), r.matter.id);
    return matterOf(r.matter.id);
  }

  const matterOf = async (id: string) => (await store.db.select().from(matters).where(eq(matters.id, id)))[0]!;
  const clockOf = async (matterId: string, limit: LimitKind) =>
    (await store.db.select().from(deadlineClocks).where(and(eq(deadlineClocks.matterId, matterId), eq(deadlineClocks.kind, limit))))[0];
  const eventsOf = async (matterId: string) => store.db.select().from(matterEvents).where(eq(matterEvents.matterId, matterId)).orderBy(asc(matterEvents.id));
  const templatesFor = async (matterId: string, personId: string) =>
    (await store.db.select().from(deliveries).where(and(eq(deliveries.matterId, matterId), eq(deliveries.personId, personId))).orderBy(asc(deliveries.createdAt))).map((d) => d.template);

  /** The job the clock set now, as the queue would hand it to the worker. */
  async function timerOf(matterId: string, limit: LimitKind, phase: TimerPhase = 'due'): Promise<DeadlineTimer> {
    const row = await clockOf(matterId, limit);
    if (!row || row.status !== 'running') throw new Error(`no running ${limit} clock (${row?.status ?? 'none'})`);
    return timerPayload(matterId, toClock(row), phase);
  }

  /** Moves time to when the timer is due and runs it. */
  async function fire(job: DeadlineTimer) {
    clock = new Date(Math.max(clock.getTime(), Date.parse(job.at)));
    return handleDeadlineJob(ctx(), noQueue, job);
  }

  /** The climbs ticks queued (in the outbox, in written order), each once. */
  const climbed = new Set<number>();
  async function climbsQueued(): Promise<DeadlineClimb[]> {
    const rows = await store.db.select().from(outbox).where(and(eq(outbox.queue, 'deadline'), sql`${outbox.payload}->>'op' = 'climb'`)).orderBy(asc(outbox.id));
    const fresh = rows.filter((r) => !climbed.has(r.id));
    for (const r of fresh) climbed.add(r.id);
    return fresh.map((r) => r.payload as unknown as DeadlineClimb);
  }

  /** Moves time to `at` and runs that second's tick; then the climbs it queued, as the worker would. */
  async function tick(at: string | Date, opts: { climbs?: boolean } = {}) {
    clock = new Date(Math.max(clock.getTime(), new Date(at).getTime()));
    const out = await handleDeadlineJob(ctx(), noQueue, { op: 'tick', at: new Date(at).toISOString() });
    const climbs = opts.climbs === false ? [] : await Promise.all((await climbsQueued()).map((c) => handleDeadlineJob(ctx(), noQueue, c)));
    return { tick: out, climbs };
  }

  it('climbs a small matter nobody takes to the village, and stops there while the township is alerted', async () => {
    const p = await people();
    const m = await reported('help');
    expect(m.assigneeId).toBe(p.officer.id);
    const accept = await timerOf(m.id, 'accept');
    expect(accept.at).toBe(beijing('2026-11-27T11:00').toISOString());

    // Climbing never orphans it: the level rises, the village is alerted, the officer keeps it and is told.
    expect(await fire(accept)).toMatchObject({ outcome: 'escalated', limit: 'accept', level: 'village', assigneeId: p.officer.id });
    const atVillage = await matterOf(m.id);
    expect([atVillage.level, atVillage.step, atVillage.assigneeId]).toEqual(['village', 'supervise', p.officer.id]);
    expect(await templatesFor(m.id, p.officer.id)).toContain('kept_after_climb');
    expect(await templatesFor(m.id, p.leader.id)).toEqual(['escalation_alert']);
    expect(await templatesFor(m.id, p.villager.id)).toContain('escalated_notice');

    // Nobody answers the villager either: the reply limit passes.
    const reply = await timerOf(m.id, 'reply');
    expect(reply).toMatchObject({ level: 'village', assigneeId: p.officer.id, at: beijing('2026-11-27T15:00').toISOString() });
    expect(await fire(reply)).toMatchObject({ outcome: 'escalated', limit: 'reply', level: 'village' });
    const stays = await matterOf(m.id);
    expect([stays.level, stays.assigneeId]).toEqual(['village', p.officer.id]);
    expect(await templatesFor(m.id, p.officer.id)).toEqual(['assigned', 'kept_after_climb', 'kept_alerted']);
    expect(await templatesFor(m.id, p.townCadre.id)).toEqual(['escalation_alert']);
    expect(await templatesFor(m.id, p.countyCadre.id)).toEqual([]);

    const events = await eventsOf(m.id);
    expect(events.filter((e) => ['deadline_missed', 'escalate'].includes(e.action)).map((e) => [e.action, (e.data as any)?.limit, e.levelTo])).toEqual([
      ['deadline_missed', 'accept', 'unit'],
      ['escalate', 'accept', 'village'],
      ['deadline_missed', 'reply', 'village'],
      ['escalate', 'reply', 'village'],
    ]);
    const climb = events.find((e) => e.action === 'escalate')!;
    expect(climb.note).toBe('超过受理时限未接单');
    expect(climb.data).toMatchObject({ by: 'timer' });
    expect(events.at(-1)!.data).toMatchObject({ stays: true, alerted: 'township' });

    // The township's alert reads in each reader's language; the timer is "the system".
    const [alert] = await store.db.select().from(deliveries).where(and(eq(deliveries.matterId, m.id), eq(deliveries.personId, p.townCadre.id)));
    expect(renderDelivery(alert!, 'zh-CN', 'Asia/Shanghai').text).toContain('超过答复时限未答复群众');
    expect(renderDelivery(alert!, 'en', 'Asia/Shanghai').text).toContain('no reply to the villager');
    expect(renderDelivery(alert!, 'zh-CN', 'Asia/Shanghai').text).not.toContain('已超时未办结');
    const [kept] = await store.db.select().from(deliveries).where(and(eq(deliveries.matterId, m.id), eq(deliveries.template, 'kept_after_climb')));
    expect(renderDelivery(kept!, 'zh-CN', 'Asia/Shanghai').text).toMatch(/超过受理时限未接单。事项已升到村里督办.*仍由您继续办理/s);
  });

  it('gives a climbing matter to the level’s responsible person when its officer is away, and tells both by name', async () => {
    const p = await people();
    const m = await reported('help');
    await store.db.update(people_).set({ onLeave: true }).where(eq(people_.id, p.officer.id));
    expect(await fire(await timerOf(m.id, 'accept'))).toMatchObject({ outcome: 'escalated', level: 'village', assigneeId: p.leader.id });
    const [gained] = await store.db.select().from(deliveries).where(and(eq(deliveries.matterId, m.id), eq(deliveries.template, 'escalated_away')));
    expect(gained!.personId).toBe(p.leader.id);
    expect(renderDelivery(gained!, 'zh-CN', 'Asia/Shanghai').text).toContain('原经办人李冬梅正在请假');
    const [lost] = await store.db.select().from(deliveries).where(and(eq(deliveries.matterId, m.id), eq(deliveries.template, 'handed_up')));
    expect(lost!.personId).toBe(p.officer.id);
    expect(renderDelivery(lost!, 'zh-CN', 'Asia/Shanghai').text).toContain('转由张国华办理');
    // Relieved by the climb, the officer still helps on it.
    const climbed = (await eventsOf(m.id)).find((e) => e.action === 'escalate')!;
    expect(climbed.data).toMatchObject({ from: p.officer.id, relieved: p.officer.id });
  });

  it('climbs a big matter to the township, and no further: the county is alerted', async () => {
    const p = await people();
    const m = await reported('help', 'big', '山体有裂缝，下面住着五户人家');
    expect(await fire(await timerOf(m.id, 'accept'))).toMatchObject({ outcome: 'escalated', level: 'village' });
    expect(await fire(await timerOf(m.id, 'reply'))).toMatchObject({ outcome: 'escalated', level: 'township', assigneeId: p.officer.id });
    const settle = await timerOf(m.id, 'settle');
    expect(settle.level).toBe('township');
    expect(await fire(settle)).toMatchObject({ outcome: 'escalated', limit: 'settle', level: 'township' });
    expect((await matterOf(m.id)).level).toBe('township');
    expect(await templatesFor(m.id, p.countyCadre.id)).toEqual(['escalation_alert']);
  });

  it('纠纷不过夜: a dispute reported at 15:00 and unsettled escalates at 20:00 that evening', async () => {
    const p = await people();
    clock = beijing('2026-11-27T15:00');
    const m = await reported('dispute', 'small', '邻居在我家田边堆柴草，说了不听');
    expect(m.dueAt).toEqual(beijing('2026-11-27T20:00'));
    expect((await clockOf(m.id, 'settle'))!.dueAt).toEqual(beijing('2026-11-27T20:00'));
    clock = beijing('2026-11-27T15:10');
    await performAction(ctx(), { matter: m.id, actorId: p.officer.id, request: { action: 'take' } });
    await performAction(ctx(), { matter: m.id, actorId: p.officer.id, request: { action: 'reply', text: '我五点前到现场。' } });

    // 75% of 15:00–20:00 is 18:45: the officer is warned once, of the limit and its real due time.
    const warn = await timerOf(m.id, 'settle', 'warn');
    expect(warn.at).toBe(beijing('2026-11-27T18:45').toISOString());
    expect(await fire(warn)).toMatchObject({ outcome: 'warned', limit: 'settle' });
    expect(await fire(warn)).toMatchObject({ outcome: 'stale' });
    const warnings = await store.db.select().from(deliveries).where(and(eq(deliveries.matterId, m.id), eq(deliveries.template, 'deadline_warning')));
    expect(warnings.map((w) => w.personId)).toEqual([p.officer.id]);
    const text = renderDelivery(warnings[0]!, 'zh-CN', 'Asia/Shanghai').text;
    expect(text).toMatch(/办结时限将于.*20:00.*到期/);
    expect(text).not.toContain('18:45');

    expect(await fire(await timerOf(m.id, 'settle'))).toMatchObject({ outcome: 'escalated', limit: 'settle', level: 'village' });
    expect(clock).toEqual(beijing('2026-11-27T20:00'));
    const events = await eventsOf(m.id);
    expect(events.find((e) => e.action === 'escalate')!.note).toBe('纠纷当日未化解（纠纷不过夜）');
    // Arriving at the village at 20:00 is after the cut-off: due at 09:00 the next morning.
    const atVillage = await matterOf(m.id);
    expect([atVillage.level, atVillage.assigneeId, atVillage.dueAt]).toEqual(['village', p.officer.id, beijing('2026-11-28T09:00')]);
  });

  it('warns once and climbs with one reason when two limits fall due at the cut-off, whichever timer fires first', async () => {
    const p = await people();
    for (const first of ['reply', 'settle'] as const) {
      clock = beijing('2026-11-27T15:00');
      const m = await reported('dispute', 'small', `两家为水渠吵起来了（${first}）`);
      clock = beijing('2026-11-27T18:30');
      await performAction(ctx(), { matter: m.id, actorId: p.officer.id, request: { action: 'take' } });
      // Taken at 18:30, the reply limit (2 hours) is capped at the 20:00 cut-off, as is the settle limit.
      const [reply, settle] = [await clockOf(m.id, 'reply'), await clockOf(m.id, 'settle')];
      expect(reply!.dueAt).toEqual(settle!.dueAt);
      const warns = [await timerOf(m.id, 'reply', 'warn'), await timerOf(m.id, 'settle', 'warn')];
      const dues = [await timerOf(m.id, 'reply'), await timerOf(m.id, 'settle')];
      if (first === 'settle') warns.reverse(), dues.reverse();
      for (const w of warns) await fire(w);
      const warned = await store.db.select().from(deliveries).where(and(eq(deliveries.matterId, m.id), eq(deliveries.template, 'deadline_warning')));
      expect(warned).toHaveLength(1);
      expect(renderDelivery(warned[0]!, 'zh-CN', 'Asia/Shanghai').text).toContain('办结时限');
      for (const d of dues) await fire(d);
      const climbs = (await eventsOf(m.id)).filter((e) => e.action === 'escalate');
      expect(climbs.map((e) => e.note)).toEqual(['纠纷当日未化解（纠纷不过夜）']);
      const [alert] = await store.db.select().from(deliveries).where(and(eq(deliveries.matterId, m.id), eq(deliveries.template, 'escalation_alert')));
      expect(renderDelivery(alert!, 'zh-CN', 'Asia/Shanghai').text).toContain('原因：纠纷当日未化解');
    }
  });

  it('says in the alert who escalated by hand and why', async () => {
    const p = await people();
    const m = await reported('help');
    const r = await performAction(ctx(), { matter: m.id, actorId: p.officer.id, request: { action: 'escalate', reason: '需要村里协调挖掘机' } });
    expect(r.ok && [r.matter.assigneeId, r.holder]).toEqual([p.leader.id, '张国华']);
    const [alert] = await store.db.select().from(deliveries).where(and(eq(deliveries.matterId, m.id), eq(deliveries.template, 'escalation_alert')));
    const text = renderDelivery(alert!, 'zh-CN', 'Asia/Shanghai').text;
    expect(text).toContain('原因：李冬梅上报：需要村里协调挖掘机');
    expect(text).not.toContain('超时');
  });

  it('纠纷不过夜: a dispute reported after the cut-off is due next morning and alerts the village at once', async () => {
    const p = await people();
    clock = beijing('2026-11-27T20:01');
    const m = await reported('dispute', 'small', '两家为宅基地界线吵起来了');
    expect(m.dueAt).toEqual(beijing('2026-11-28T09:00'));
    expect(await templatesFor(m.id, p.leader.id)).toEqual(['dispute_overnight']);
    const [alert] = await store.db.select().from(deliveries).where(and(eq(deliveries.matterId, m.id), eq(deliveries.template, 'dispute_overnight')));
    expect(alert!.status).toBe('pending');
    expect(renderDelivery(alert!, 'zh-CN', 'Asia/Shanghai').text).toContain('11月28日 09:00');
  });

  it('follows a grid cut-off that is data, in the grid zone', async () => {
    const p = await people();
    await store.db.update(gridNodes).set({ timezone: 'Asia/Urumqi' }).where(eq(gridNodes.id, tree.unit.id));
    await store.db.insert(disputeCutoffs).values({ gridNodeId: tree.unit.id, evening: '21:00', morning: '08:30' });
    // 21:30 Beijing is 19:30 in Urumqi: still before that grid's 21:00 cut-off.
    clock = beijing('2026-11-27T21:30');
    const m = await reported('dispute');
    expect(m.dueAt).toEqual(new Date('2026-11-27T15:00:00Z'));
    expect(await templatesFor(m.id, p.leader.id)).toEqual([]);
  });

  it('reopens a matter rated 不满意 one level up, with new limits for the new assignee', async () => {
    const p = await people();
    const m = await reported('help');
    await performAction(ctx(), { matter: m.id, actorId: p.officer.id, request: { action: 'take' } });
    await performAction(ctx(), { matter: m.id, actorId: p.officer.id, request: { action: 'settle', result: '已经安排人补上井盖。' } });
    expect((await clockOf(m.id, 'settle'))!.status).toBe('stopped');
    clock = beijing('2026-11-27T12:00');
    const r = await performAction(ctx(), { matter: m.id, actorId: p.villager.id, request: { action: 'evaluate', rating: 'unsatisfied', comment: '井盖还是没补' } });
    expect(r.ok && [r.matter.level, r.matter.assigneeId]).toEqual(['village', p.leader.id]);
    const accept = await timerOf(m.id, 'accept');
    expect(accept).toMatchObject({ level: 'village', assigneeId: p.leader.id, at: beijing('2026-11-27T14:00').toISOString() });
    expect((await clockOf(m.id, 'settle'))).toMatchObject({ status: 'running', startedAt: beijing('2026-11-27T12:00') });
    // The village does not take it either: a small matter stays there, and the township hears.
    expect(await fire(accept)).toMatchObject({ outcome: 'escalated', level: 'village' });
    expect(await templatesFor(m.id, p.townCadre.id)).toEqual(['escalation_alert']);
  });

  it('does nothing for a timer of a matter that has moved on', async () => {
    const p = await people();
    const m = await reported('help');
    const accept = await timerOf(m.id, 'accept');
    const settle = await timerOf(m.id, 'settle');
    await performAction(ctx(), { matter: m.id, actorId: p.officer.id, request: { action: 'take' } });
    // Taken: the accept clock stopped; its timer does nothing.
    expect(await fire(accept)).toEqual({ outcome: 'stale' });
    // The officer answers: the reply clock stops for good, even when the villager writes again.
    const reply = await timerOf(m.id, 'reply');
    await performAction(ctx(), { matter: m.id, actorId: p.officer.id, request: { action: 'reply', text: '明天上午带人来补。' } });
    await performAction(ctx(), { matter: m.id, actorId: p.villager.id, request: { action: 'add_info', text: '今晚能不能先放个警示牌？' } });
    expect((await clockOf(m.id, 'reply'))!.status).toBe('stopped');
    expect(await fire(reply)).toEqual({ outcome: 'stale' });
    // Escalated by hand: the old settle timer (another version, another level) does nothing.
    await performAction(ctx(), { matter: m.id, actorId: p.officer.id, request: { action: 'escalate', reason: '需要村里协调' } });
    expect(await fire(settle)).toEqual({ outcome: 'stale' });
    // Moved behind the clocks' back (another code path): the timer sets the clock again, it does not climb.
    const current = await timerOf(m.id, 'settle');
    await store.db.update(matters).set({ assigneeId: p.townCadre.id }).where(eq(matters.id, m.id));
    expect(await fire(current)).toEqual({ outcome: 'rescheduled' });
    expect((await clockOf(m.id, 'settle'))).toMatchObject({ assigneeId: p.townCadre.id, version: current.version + 1 });

    const events = await eventsOf(m.id);
    expect(events.filter((e) => e.action === 'deadline_missed')).toEqual([]);
    expect(events.filter((e) => e.action === 'escalate')).toHaveLength(1);
  });

  it('pauses the clocks while the matter waits on the villager, and resumes them on the answer', async () => {
    const p = await people();
    const m = await reported('help');
    await performAction(ctx(), { matter: m.id, actorId: p.officer.id, request: { action: 'take' } });
    const settle = await timerOf(m.id, 'settle');
    clock = beijing('2026-11-27T10:00');
    const paused = await performAction(ctx(), { matter: m.id, actorId: p.officer.id, request: { action: 'pause', text: '井盖丢在哪个路口？能拍张照片吗？' } });
    expect(paused.ok).toBe(true);
    expect(await performAction(ctx(), { matter: m.id, actorId: p.officer.id, request: { action: 'pause' } })).toMatchObject({ ok: false, code: 'not_now' });
    expect((await clockOf(m.id, 'settle'))!.status).toBe('paused');
    // The question was a reply: the reply clock is done for good.
    expect((await clockOf(m.id, 'reply'))!.status).toBe('stopped');
    expect(await templatesFor(m.id, p.villager.id)).toContain('paused');
    expect(await handleDeadlineJob(ctx(), noQueue, settle)).toEqual({ outcome: 'stale' });

    clock = beijing('2026-11-29T10:00');
    await performAction(ctx(), { matter: m.id, actorId: p.villager.id, request: { action: 'add_info', text: '就在村委会门口，照片发您了。' } });
    const resumed = (await clockOf(m.id, 'settle'))!;
    // Paused for two days: due two days later.
    expect(resumed).toMatchObject({ status: 'running', pausedMs: 2 * 86_400_000, dueAt: new Date(Date.parse(settle.at) + 2 * 86_400_000) });
    const actions = (await eventsOf(m.id)).map((e) => e.action);
    expect(actions.slice(-3)).toEqual(['pause', 'resume', 'add_info']);
    expect((await eventsOf(m.id)).find((e) => e.action === 'resume')!.data).toMatchObject({ by: 'villager' });
  });

  it('never escalates on a policy that was changed or removed', async () => {
    await people();
    const m = await reported('help');
    const accept = await timerOf(m.id, 'accept');
    // The roster now gives 4 hours to accept: the 2-hour timer sets the clock again instead of climbing.
    await store.db.insert(timeLimits).values({ category: 'help', acceptMinutes: 240, replyMinutes: 240, settleMinutes: 4320 });
    forgetPolicies(store.db);
    expect(await fire(accept)).toEqual({ outcome: 'rescheduled' });
    expect((await matterOf(m.id)).level).toBe('unit');
    expect(await timerOf(m.id, 'accept')).toMatchObject({ at: beijing('2026-11-27T13:00').toISOString(), version: accept.version + 1 });
    // Shortened again and reconciled (what an import does): the clock moves earlier at once.
    await store.db.update(timeLimits).set({ acceptMinutes: 30 }).where(eq(timeLimits.category, 'help'));
    forgetPolicies(store.db);
    expect(await reconcileDeadlines(ctx())).toMatchObject({ recomputed: 1 });
    expect((await timerOf(m.id, 'accept')).at).toBe(beijing('2026-11-27T09:30').toISOString());
  });

  describe('through the tick of the due second', () => {
    it('climbs a matter nobody takes: the miss is recorded and the climb it queued runs once', async () => {
      const p = await people();
      const m = await reported('help');
      const accept = await timerOf(m.id, 'accept');
      // 75%: the officer is warned once, however often the tick runs.
      const warnAt = (await clockOf(m.id, 'accept'))!.warnAt;
      expect((await tick(warnAt)).tick).toMatchObject({ outcome: 'settled', warned: 1, missed: 0 });
      expect((await tick(warnAt)).tick).toMatchObject({ warned: 0, missed: 0 });
      expect((await templatesFor(m.id, p.officer.id)).filter((t) => t === 'deadline_warning')).toHaveLength(1);

      const { tick: out, climbs } = await tick(accept.at);
      expect(out).toMatchObject({ outcome: 'settled', missed: 1 });
      expect(climbs).toEqual([{ outcome: 'escalated', limit: 'accept', level: 'village', assigneeId: p.officer.id }]);
      const atVillage = await matterOf(m.id);
      expect([atVillage.level, atVillage.step, atVillage.assigneeId]).toEqual(['village', 'supervise', p.officer.id]);
      expect(await templatesFor(m.id, p.leader.id)).toEqual(['escalation_alert']);
      expect((await templatesFor(m.id, p.officer.id)).filter((t) => t === 'kept_after_climb')).toHaveLength(1);
      // The same climb again (a worker killed after its commit) does nothing.
      const again = (await store.db.select().from(outbox).where(sql`${outbox.payload}->>'op' = 'climb'`))[0]!.payload as unknown as DeadlineClimb;
      expect(await handleDeadlineJob(ctx(), noQueue, again)).toEqual({ outcome: 'stale' });
      const events = await eventsOf(m.id);
      expect(events.filter((e) => e.action === 'deadline_missed')).toHaveLength(1);
      expect(events.filter((e) => e.action === 'escalate')).toHaveLength(1);
    });

    it('settles every deadline due in its second together, once each even when two ticks run at once', async () => {
      const p = await people();
      const ms = [];
      for (let i = 0; i < 12; i++) ms.push(await reported('help', 'small', `第${i + 1}户门口的排水沟堵了`));
      const due = (await timerOf(ms[0]!.id, 'accept')).at;
      clock = new Date(due);
      const [a, b] = await Promise.all([handleDeadlineJob(ctx(), noQueue, { op: 'tick', at: due }), handleDeadlineJob(ctx(), noQueue, { op: 'tick', at: due })]);
      // Each matter's warning (not given in time) and its miss, once between the two.
      expect(Number(a!.missed) + Number(b!.missed)).toBe(12);
      expect(Number(a!.warned) + Number(b!.warned)).toBe(12);
      const climbs = await Promise.all((await climbsQueued()).map((c) => handleDeadlineJob(ctx(), noQueue, c)));
      expect(climbs.map((c) => c.outcome)).toEqual(Array(12).fill('escalated'));
      for (const m of ms) {
        const events = await eventsOf(m.id);
        expect(events.filter((e) => e.action === 'deadline_missed')).toHaveLength(1);
        expect(events.filter((e) => e.action === 'escalate')).toHaveLength(1);
        expect((await matterOf(m.id)).level).toBe('village');
      }
      expect((await templatesFor(ms[0]!.id, p.officer.id)).filter((t) => t === 'deadline_warning')).toHaveLength(1);
    });

    it('does not climb a matter taken between the recorded miss and its climb', async () => {
      const p = await people();
      const m = await reported('help');
      const accept = await timerOf(m.id, 'accept');
      expect((await tick(accept.at, { climbs: false })).tick).toMatchObject({ missed: 1 });
      await performAction(ctx(), { matter: m.id, actorId: p.officer.id, request: { action: 'take' } });
      const [climb] = await climbsQueued();
      expect(await handleDeadlineJob(ctx(), noQueue, climb!)).toEqual({ outcome: 'moved_on' });
      const after = await matterOf(m.id);
      expect([after.level, after.step]).toEqual(['unit', 'handle']);
      const events = await eventsOf(m.id);
      expect(events.filter((e) => e.action === 'deadline_missed')).toHaveLength(1);
      expect(events.filter((e) => e.action === 'escalate')).toEqual([]);
    });

    it('hands a clock a changed policy moved to its own timer, which sets it again instead of climbing', async () => {
      await people();
      const m = await reported('help');
      const accept = await timerOf(m.id, 'accept');
      await store.db.insert(timeLimits).values({ category: 'help', acceptMinutes: 240, replyMinutes: 240, settleMinutes: 4320 });
      forgetPolicies(store.db);
      // Its warning and its limit, both due, go to their own timers.
      expect((await tick(accept.at)).tick).toMatchObject({ missed: 0, handedOn: 2 });
      const [handed] = await store.db.select().from(outbox).where(and(eq(outbox.queue, 'deadline'), sql`${outbox.payload}->>'op' = 'fire'`, sql`${outbox.payload}->>'phase' = 'due'`, isNull(outbox.lastError)));
      expect(await handleDeadlineJob(ctx(), noQueue, handed!.payload as unknown as DeadlineTimer)).toEqual({ outcome: 'rescheduled' });
      expect((await matterOf(m.id)).level).toBe('unit');
      expect(await timerOf(m.id, 'accept')).toMatchObject({ at: beijing('2026-11-27T13:00').toISOString() });
    });

    it('warns once and climbs with one reason when two limits fall due at the cut-off', async () => {
      const p = await people();
      clock = beijing('2026-11-27T15:00');
      const m = await reported('dispute', 'small', '两家为水渠吵起来了');
      clock = beijing('2026-11-27T18:30');
      await performAction(ctx(), { matter: m.id, actorId: p.officer.id, request: { action: 'take' } });
      const [reply, settle] = [await clockOf(m.id, 'reply'), await clockOf(m.id, 'settle')];
      expect(reply!.dueAt).toEqual(settle!.dueAt);
      await tick(reply!.warnAt < settle!.warnAt ? settle!.warnAt : reply!.warnAt);
      const warned = await store.db.select().from(deliveries).where(and(eq(deliveries.matterId, m.id), eq(deliveries.template, 'deadline_warning')));
      expect(warned).toHaveLength(1);
      expect(renderDelivery(warned[0]!, 'zh-CN', 'Asia/Shanghai').text).toContain('办结时限');
      await tick(settle!.dueAt);
      const climbs = (await eventsOf(m.id)).filter((e) => e.action === 'escalate');
      expect(climbs.map((e) => e.note)).toEqual(['纠纷当日未化解（纠纷不过夜）']);
    });
  });

  it('sets one tick per due second in the queue, shared by the clocks due in it; a tick settles the clocks as they stand when it fires', async () => {
    const p = await people();
    runtime.startWorkers({ concurrency: 2 });
    const m = await reported('help');
    const twin = await reported('help', 'small', '路灯坏了三盏，晚上看不见路');
    const q = runtime.queues!.queue('deadline');
    const accept = await timerOf(m.id, 'accept');
    expect((await timerOf(twin.id, 'accept')).at).toBe(accept.at);
    await waitFor(async () => (await q.getJobState(tickJobId(accept.at))) === 'delayed', 'the accept tick to wait in the queue');
    expect((await q.getDelayed()).filter((j) => j.id === tickJobId(accept.at))).toHaveLength(1);
    await performAction(ctx(), { matter: m.id, actorId: p.officer.id, request: { action: 'take' } });
    const reply = await timerOf(m.id, 'reply');
    await waitFor(async () => (await q.getJobState(tickJobId(reply.at))) === 'delayed', 'the reply tick to wait in the queue');
    // The accept tick comes: the taken matter's accept clock stopped and it does not climb; the twin, nobody took, does.
    // Run here, or by the workers (their repair pass may queue a tick at once once the clock has moved): whichever
    // locks the twin first records its miss, once.
    const { tick: out } = await tick(accept.at);
    expect(out).toMatchObject({ outcome: 'settled' });
    await waitFor(async () => (await matterOf(twin.id)).level === 'village', 'the twin to climb to the village');
    const misses = async (id: string) => (await eventsOf(id)).filter((e) => e.action === 'deadline_missed').length;
    expect(await misses(twin.id)).toBe(1);
    expect(await misses(m.id)).toBe(0);
    expect((await matterOf(m.id)).level).toBe('unit');
  }, 30_000);
});
