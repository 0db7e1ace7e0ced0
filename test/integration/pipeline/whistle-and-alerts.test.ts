// The whistle and cadre alerts through the real queues (Redis and BullMQ's PostgreSQL backend),
// with the clock moved by the test: the report-in deadline waits in the outbox until its time,
// a group chat receives a node's alerts, and the daily jobs are scheduled per zone and run.
import { and, eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Runtime } from '../../../src/app/runtime.js';
import { scheduleDailyJobs } from '../../../src/queue/daily-schedule.js';
import { intake } from '../../../src/services/intake-service.js';
import { performAction } from '../../../src/services/matter-actions.js';
import { deliveries, matterEvents, matters, outbox, summons } from '../../../src/store/schema.js';
import { newDepartmentWithLiaison, setAlerts } from '../../support/alert-factories.js';
import { newGridLeader, newOfficer, newPerson, newTree, newVillager, type Tree } from '../../support/factories.js';
import { RecordingChannel } from '../../support/recording-channel.js';
import { openTestRuntime, QUEUE_KINDS } from '../../support/runtime.js';
import { openTestStore, type TestStore } from '../../support/store.js';
import { waitIdle } from '../../support/idle.js';
import { waitFor } from '../../support/wait.js';

const MIN = 60_000;
let seq = 0;

describe.each(QUEUE_KINDS)('whistle and alerts, queues on %s', (kind) => {
  let store: TestStore;
  let runtime: Runtime;
  let telegram: RecordingChannel;
  let tree: Tree;
  let clock = new Date('2026-11-27T02:00:00Z'); // 10:00 in 湖泽镇

  beforeAll(async () => {
    store = await openTestStore('postgres');
  });
  afterAll(async () => {
    await store?.close();
  });
  beforeEach(async () => {
    await store.reset();
    clock = new Date('2026-11-27T02:00:00Z');
    telegram = new RecordingChannel('telegram');
    runtime = await openTestRuntime(store, kind, { channels: new Map([['telegram', telegram]]), now: () => clock });
    runtime.startWorkers({ concurrency: 5 });
    tree = await newTree(store.db);
  });
  afterEach(async () => {
    await runtime?.close();
  });

  const later = (minutes: number) => {
    clock = new Date(clock.getTime() + minutes * MIN);
    runtime.relay?.kick();
  };

  async function report(category: 'dispute' | 'help', text: string) {
    const r = await intake(runtime.ctx, { eventId: `wa:${++seq}`, platform: 'telegram', externalUserId: '1001', kind: 'report', category, text, receivedAt: clock.toISOString() });
    if (r.status !== 'created') throw new Error(r.status);
    return waitFor(async () => {
      const [m] = await store.db.select().from(matters).where(eq(matters.id, r.matter.id));
      return m && m.step === 'dispatch' ? m : null;
    }, 'the matter to be routed');
  }

  async function cast() {
    const officer = await newOfficer(store.db, tree.unit, '李冬梅', { telegram: '2002' });
    const leader = await newGridLeader(store.db, tree.village, '张国华', { telegram: '2009' });
    const townCadre = await newPerson(store.db, { name: '何建军', role: 'grid_leader', at: tree.township, telegram: '3001', title: '湖泽镇网格长' });
    const villager = await newVillager(store.db, tree.unit, '罗秀英', { telegram: '1001' });
    return { officer, leader, townCadre, villager };
  }

  it('sends a node’s escalation alert to its Telegram group, with the actions as buttons', async () => {
    const p = await cast();
    await setAlerts(store.db, tree.village, { telegramChat: '-100123' });
    const m = await report('help', '村道塌了一段，车过不去');
    expect((await performAction(runtime.ctx, { matter: m.ref, actorId: p.officer.id, request: { action: 'escalate', reason: '需要村里协调' } })).ok).toBe(true);
    const posted = await waitFor(() => telegram.sent.find((s) => s.to.chatId === '-100123'), 'the alert in the village group');
    expect(posted.to).toMatchObject({ group: true, chatId: '-100123' });
    expect(posted.message.text).toContain(m.ref);
    expect(posted.message.text).toContain('督办提醒');
    expect(posted.message.actions.map((a) => a.label)).toEqual(['查看内容', '我来接手', '转办', '督办', '吹哨', '定大小事']);
    // The group replaces the cadres' DMs for alerts (the leader is told as the new assignee only).
    const leaderGot = await store.db.select().from(deliveries).where(and(eq(deliveries.matterId, m.id), eq(deliveries.personId, p.leader.id)));
    expect(leaderGot.map((d) => d.template)).toEqual(['escalated']);
    // Pressed in the group by someone with no place above the matter: refused, whatever the button says.
    expect(await performAction(runtime.ctx, { matter: m.ref, actorId: p.villager.id, request: { action: 'supervise' } })).toMatchObject({ ok: false, code: 'not_permitted' });
  });

  it('alerts the township once when a summoned department misses its report-in limit', async () => {
    const p = await cast();
    const justice = await newDepartmentWithLiaison(store.db, { code: 'county-justice', name: '县司法局', at: tree.county, liaison: '周法明', telegram: '5001', reportInMinutes: 30 });
    const police = await newDepartmentWithLiaison(store.db, { code: 'huze-police', name: '湖泽派出所', at: tree.township, liaison: '吴警官', telegram: '5002', reportInMinutes: 20 });
    const m = await report('dispute', '宅基地界址纠纷，两家人吵到村口了');
    await performAction(runtime.ctx, { matter: m.ref, actorId: p.officer.id, request: { action: 'take' } });
    expect((await performAction(runtime.ctx, { matter: m.ref, actorId: p.officer.id, request: { action: 'whistle', departments: ['county-justice', 'huze-police'], reason: '需要调解和维持秩序' } })).ok).toBe(true);
    await waitFor(() => telegram.to('5001').length && telegram.to('5002').length, 'both liaisons summoned');
    const button = telegram.sent.find((s) => s.to.externalId === '5002')!.message.actions?.[0]?.data;
    expect(button).toBe(`mx:report_in:${m.ref}:huze-police`);

    later(10);
    expect((await performAction(runtime.ctx, { matter: m.ref, actorId: justice.liaison.id, request: { action: 'report_in', department: 'county-justice' } })).ok).toBe(true);
    // Nothing fires before its time.
    await waitIdle(runtime);
    expect(telegram.to('3001')).toEqual([]);

    later(11); // 21 minutes: past the police's 20
    const alert = await waitFor(() => telegram.to('3001').find((t) => t.includes('报到超时')), 'the township alerted');
    expect(alert).toContain('湖泽派出所');
    later(10); // 31 minutes: the justice deadline fires too, but they reported in
    await waitFor(async () => {
      const rows = await store.db.select().from(outbox).where(eq(outbox.queue, 'report_in_due'));
      return rows.length === 2 && rows.every((r) => r.relayedAt);
    }, 'both report-in deadlines relayed');
    const [policeRow] = await store.db.select().from(summons).where(and(eq(summons.matterId, m.id), eq(summons.departmentId, police.dept.id)));
    // A duplicate job for the same summons (a second relay, a stalled worker) alerts nobody again.
    await runtime.queues!.add('report_in_due', { summonsId: policeRow!.id }, { jobId: `dup-${policeRow!.id}` });
    const dup = await waitFor(async () => {
      const job = await runtime.queues!.queue('report_in_due').getJob(`dup-${policeRow!.id}`);
      return job?.returnvalue ?? null;
    }, 'the duplicate job done');
    expect(dup).toEqual({ outcome: 'already_alerted' });
    await waitIdle(runtime);
    expect((await store.db.select().from(deliveries).where(eq(deliveries.template, 'summons_overdue'))).length).toBe(1);
    const overdue = await store.db.select().from(matterEvents).where(and(eq(matterEvents.matterId, m.id), eq(matterEvents.action, 'report_in_overdue')));
    expect(overdue.map((e) => (e.data as { departmentId: string }).departmentId)).toEqual([police.dept.id]);
    expect(policeRow).toMatchObject({ late: true, reportedInAt: null });
  });

  it('schedules the sweep and the digest per zone, and runs the sweep as a job', async () => {
    await cast();
    const queues = runtime.queues!;
    await scheduleDailyJobs(queues, ['Asia/Shanghai', 'Asia/Urumqi']);
    await scheduleDailyJobs(queues, ['Asia/Shanghai']);
    const sweeps = await queues.queue('sweep').getJobSchedulers();
    expect(sweeps.map((s) => [s.id ?? s.key, s.pattern, s.tz])).toEqual([['sweep@Asia/Shanghai', '0 20 * * *', 'Asia/Shanghai']]);
    const digests = await queues.queue('digest').getJobSchedulers();
    expect(digests.map((s) => [s.id ?? s.key, s.pattern, s.tz])).toEqual([['digest@Asia/Shanghai', '30 7 * * *', 'Asia/Shanghai']]);
    // With the nodes' cut-offs: one sweep per zone and cut-off, at that local time.
    await scheduleDailyJobs(queues, ['Asia/Shanghai'], undefined, [{ zone: 'Asia/Shanghai', at: '21:00' }]);
    const atCutoff = await queues.queue('sweep').getJobSchedulers();
    expect(atCutoff.map((s) => [s.id ?? s.key, s.pattern, s.tz])).toEqual([['sweep@Asia/Shanghai@2100', '0 21 * * *', 'Asia/Shanghai']]);

    const m = await report('dispute', '两家为排水沟争执');
    clock = new Date('2026-11-27T12:00:00Z'); // 20:00
    await queues.add('sweep', { zone: 'Asia/Shanghai' }, { jobId: 'sweep-test-1' });
    const got = await waitFor(() => telegram.to('2009').find((t) => t.includes('纠纷不过夜')), 'the sweep at the village leader');
    expect(got).toContain(m.ref);
    // The township reads which villages, and how many: no list of words.
    const town = await waitFor(() => telegram.to('3001').find((t) => t.includes('纠纷不过夜')), 'the sweep at the township');
    expect(town).toContain('· 水川村 1 件');
    expect(town).not.toContain('两家为排水沟争执');
    for (const s of await queues.queue('sweep').getJobSchedulers()) await queues.queue('sweep').removeJobScheduler(s.id ?? s.key);
    for (const s of await queues.queue('digest').getJobSchedulers()) await queues.queue('digest').removeJobScheduler(s.id ?? s.key);
  });
});
