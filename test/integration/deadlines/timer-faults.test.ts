// Deadline timers through the real queues, with short real delays: a worker killed while a timer
// fires escalates once, and timers survive a restart of the runtime (and come back when the
// queue lost them). The matter is reported "two hours minus a little ago" on the test's clock, so
// its accept limit passes a few seconds into the test (or, where the test brings the time, a minute).
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { and, eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../../src/app/runtime.js';
import { climbJobId, JOB_NAMES, tickJobId, tickSecond } from '../../../src/ports/jobs.js';
import type { ServiceContext } from '../../../src/ports/context.js';
import { intake } from '../../../src/services/intake-service.js';
import { routeMatter } from '../../../src/services/routing-service.js';
import { deadlineClocks, deliveries, matterEvents, matters } from '../../../src/store/schema.js';
import { newGridLeader, newOfficer, newTree, newVillager } from '../../support/factories.js';
import { openTestRuntime, QUEUE_KINDS, uniquePrefix } from '../../support/runtime.js';
import { openTestStore, TEST_REDIS_URL, type TestStore } from '../../support/store.js';
import { daytimeClock } from '../../support/clock.js';
import { waitIdle } from '../../support/idle.js';
import { waitFor } from '../../support/wait.js';

const CHILD = fileURLToPath(new URL('../../support/worker-child.ts', import.meta.url));
const ACCEPT_MS = 120 * 60_000; // the default accept limit of a small 求助
// The survivor looks for stalled jobs (the dead child's lapse after 1 s) every half second, but
// holds its own for the default 30 s: a short lock of its own lapses under load and runs a job twice.
const short = { stalledInterval: 500 };

describe.each(QUEUE_KINDS)('deadline timers through the queue on %s', (kind) => {
  let store: TestStore;
  let runtimes: Runtime[] = [];
  let child: ChildProcess | null = null;
  let n = 0;
  // One clock for every runtime of the file and the child worker: a restart does not turn time back.
  const clock = daytimeClock();

  beforeAll(async () => {
    store = await openTestStore('postgres');
  }, 60_000);
  afterAll(async () => {
    await store?.close();
  });
  afterEach(async () => {
    child?.kill('SIGKILL');
    child = null;
    for (const r of runtimes) await r.close();
    runtimes = [];
  });

  async function open(prefix: string): Promise<Runtime> {
    const r = await openTestRuntime(store, kind, { prefix, clock });
    runtimes.push(r);
    return r;
  }

  async function setUp() {
    await store.reset();
    const tree = await newTree(store.db);
    const officer = await newOfficer(store.db, tree.unit, '李冬梅', { telegram: '2002' });
    const leader = await newGridLeader(store.db, tree.village, '张国华', { telegram: '2009' });
    await newVillager(store.db, tree.unit, '王秀英', { telegram: '1001' });
    return { officer, leader };
  }

  /**
   * A report whose accept limit passes `inMs` from now; its timers wait in the outbox until the
   * runtime's relay moves them. `tickJobId`: the tick of the accept limit's due second;
   * `climbJobId`: the climb that tick queues when it records the miss.
   */
  async function reportDueIn(runtime: Runtime, inMs: number) {
    const reportedAt = new Date(runtime.ctx.now().getTime() - ACCEPT_MS + inMs);
    const past: ServiceContext = { ...runtime.ctx, now: () => reportedAt, outboxWritten: () => {} };
    const r = await intake(past, { eventId: `t:${kind}:${++n}`, platform: 'telegram', externalUserId: '1001', kind: 'report', category: 'help', text: '自来水管爆了，院子里全是水', receivedAt: reportedAt.toISOString() });
    if (r.status !== 'created') throw new Error(r.status);
    await routeMatter(past, r.matter.id);
    const [accept] = await store.db.select().from(deadlineClocks).where(and(eq(deadlineClocks.matterId, r.matter.id), eq(deadlineClocks.kind, 'accept')));
    return { matterId: r.matter.id, tickJobId: tickJobId(accept!.dueAt), climbJobId: climbJobId({ matterId: r.matter.id, limit: 'accept', version: accept!.version }) };
  }

  /** The timer's minute has passed: the clock moves on, and the delayed job is released at once. */
  async function timeComes(q: { getJob(id: string): Promise<{ promote(): Promise<void> } | undefined> }, jobId: string) {
    clock.advance(60_000);
    await (await q.getJob(jobId))!.promote();
  }

  const actions = async (matterId: string) => (await store.db.select().from(matterEvents).where(eq(matterEvents.matterId, matterId))).map((e) => e.action);

  for (const hang of ['before', 'after'] as const) {
    it(`escalates once when the worker is killed ${hang} the escalation commits`, async () => {
      const p = await setUp();
      const prefix = uniquePrefix();
      child = fork(CHILD, [], {
        execArgv: ['--import', 'tsx'],
        env: {
          ...process.env,
          GRIDLINE_CHILD_HANG: hang,
          GRIDLINE_CHILD_QUEUE: 'deadline',
          GRIDLINE_CHILD_DB: store.url!,
          GRIDLINE_CHILD_REDIS: kind === 'redis' ? TEST_REDIS_URL : '',
          GRIDLINE_CHILD_PREFIX: prefix,
          GRIDLINE_CHILD_CLOCK_OFFSET: String(clock.offsetMs),
        },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      const states: string[] = [];
      child.on('message', (m: any) => states.push(m.state));
      // A cold child (tsx, a store, queues) takes long on a loaded machine: wait for it, not for a time.
      await waitFor(() => states.includes('ready'), 'the child worker', 120_000);

      const runtime = await open(prefix);
      const { matterId, climbJobId: dueJobId } = await reportDueIn(runtime, 1500);
      runtime.relay!.kick();
      const expected = hang === 'before' ? 'started' : 'committed';
      await waitFor(() => states.includes(expected), `the child to reach "${expected}"`, 60_000);
      child.kill('SIGKILL');
      await new Promise((res) => child!.once('exit', res));
      if (hang === 'after') expect(await actions(matterId)).toContain('escalate');

      // Another worker takes the stalled climb over.
      // Every queue takes stalled jobs back quickly: the dead child held jobs of other queues too.
      runtime.startWorkers({ concurrency: 2, perQueue: { ...Object.fromEntries(JOB_NAMES.map((name) => [name, short])), deadline: { concurrency: 2, ...short } } });
      const q = runtime.queues!.queue('deadline');
      await waitFor(async () => (await q.getJobState(dueJobId)) === 'completed', 'the timer to complete', 30_000);
      const job = await q.getJob(dueJobId);
      expect(job?.returnvalue).toMatchObject({ outcome: hang === 'before' ? 'escalated' : 'stale' });
      await waitIdle(runtime);

      const done = await actions(matterId);
      expect(done.filter((a) => a === 'escalate')).toHaveLength(1);
      expect(done.filter((a) => a === 'deadline_missed')).toHaveLength(1);
      const [m] = await store.db.select().from(matters).where(eq(matters.id, matterId));
      // The officer keeps the climbed matter (climbing never orphans it) and is told once.
      expect([m!.level, m!.assigneeId]).toEqual(['village', p.officer.id]);
      const told = await store.db.select().from(deliveries).where(and(eq(deliveries.matterId, matterId), eq(deliveries.personId, p.officer.id), eq(deliveries.template, 'kept_after_climb')));
      expect(told).toHaveLength(1);
    }, 240_000);
  }

  it('records a miss at its second, never before, though the tick does its work a second ahead; the matter then climbs', async () => {
    const p = await setUp();
    const prefix = uniquePrefix();
    const runtime = await open(prefix);
    runtime.startWorkers({ concurrency: 2 });
    const { matterId } = await reportDueIn(runtime, 3000);
    const [accept] = await store.db.select().from(deadlineClocks).where(and(eq(deadlineClocks.matterId, matterId), eq(deadlineClocks.kind, 'accept')));
    const second = tickSecond(accept!.dueAt) * 1000;
    runtime.relay!.kick();
    // Watched on the service's clock: the miss is on record only once its second has come.
    const seenAt = await waitFor(
      async () => {
        const [c] = await store.db.select().from(deadlineClocks).where(and(eq(deadlineClocks.matterId, matterId), eq(deadlineClocks.kind, 'accept')));
        return c!.status === 'fired' ? clock.now().getTime() : 0;
      },
      'the accept clock to fire',
      30_000,
      10,
    );
    expect(seenAt).toBeGreaterThanOrEqual(second);
    const [fired] = await store.db.select().from(deadlineClocks).where(and(eq(deadlineClocks.matterId, matterId), eq(deadlineClocks.kind, 'accept')));
    expect(fired!.firedAt?.getTime()).toBe(second);
    const [missed] = await store.db.select().from(matterEvents).where(and(eq(matterEvents.matterId, matterId), eq(matterEvents.action, 'deadline_missed')));
    expect(missed!.at.getTime()).toBe(second);
    await waitFor(async () => (await actions(matterId)).includes('escalate'), 'the climb', 30_000);
    await waitIdle(runtime);
    const [m] = await store.db.select().from(matters).where(eq(matters.id, matterId));
    expect([m!.level, m!.assigneeId]).toEqual(['village', p.officer.id]);
  }, 60_000);

  it('keeps waiting timers across a restart of the runtime', async () => {
    await setUp();
    const prefix = uniquePrefix();
    const first = await open(prefix);
    // Due a minute from now: still waiting however slow the machine is, until the test brings the time.
    const { matterId, tickJobId: dueJobId, climbJobId } = await reportDueIn(first, 60_000);
    await first.relay!.relayOnce();
    expect(await first.queues!.queue('deadline').getJobState(dueJobId)).toBe('delayed');
    await first.close();

    const second = await open(prefix);
    second.startWorkers({ concurrency: 2 });
    const q = second.queues!.queue('deadline');
    expect(await q.getJobState(dueJobId)).toBe('delayed');
    await timeComes(q, dueJobId);
    await waitFor(async () => (await q.getJobState(climbJobId)) === 'completed', 'the climb the tick queued', 20_000);
    expect((await q.getJob(climbJobId))?.returnvalue).toMatchObject({ outcome: 'escalated' });
    // The miss is recorded once, by this tick or by one that ran at once after the restart (the warning's, late).
    expect((await actions(matterId)).filter((a) => a === 'deadline_missed')).toHaveLength(1);
    expect(await actions(matterId)).toContain('escalate');
    // The warning at 75% was already due when the timers were set: it went out too, once.
    const warnings = await store.db.select().from(deliveries).where(and(eq(deliveries.matterId, matterId), eq(deliveries.template, 'deadline_warning')));
    expect(warnings).toHaveLength(1);
  }, 60_000);

  it('puts back, at start, a timer the queue lost', async () => {
    await setUp();
    const prefix = uniquePrefix();
    const first = await open(prefix);
    const { matterId, tickJobId: dueJobId } = await reportDueIn(first, 60_000);
    await first.relay!.relayOnce();
    // The queue loses it (a Redis restarted without its data).
    expect(await first.queues!.queue('deadline').remove(dueJobId)).toBe(1);
    await first.close();

    const second = await open(prefix);
    expect(await second.reconcileDeadlines()).toMatchObject({ created: 0, recomputed: 0 });
    expect(await second.queues!.queue('deadline').getJobState(dueJobId)).toBe('delayed');
    second.startWorkers({ concurrency: 2 });
    await timeComes(second.queues!.queue('deadline'), dueJobId);
    await waitFor(async () => (await actions(matterId)).includes('escalate'), 'the put-back timer to fire', 20_000);
    expect((await actions(matterId)).filter((a) => a === 'escalate')).toHaveLength(1);
  }, 60_000);
});
