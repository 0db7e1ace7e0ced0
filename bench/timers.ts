// npm run bench:timers [-- --pending N --due N --timer-concurrency N --lead-ms N] — deadlines as the
// service keeps them: N pending (default 100,000) as running clocks of open matters in Postgres
// (an accept and a settle clock each, computed by the domain from the default limits), with the
// tick of every due second waiting in the queue on Redis; a batch (default 5,000 accept limits)
// comes due at one instant. The real service (Telegram on the Bot API stand-in, limits lifted)
// settles them: prints how late each miss was recorded (p50/p99/max, from when the clocks were
// seen fired), when their climbs were done (escalate through performAction, alerts, new clocks),
// the Redis memory the waiting ticks take, and the raw bounds of the same run.
import { randomInt } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { and, eq, inArray } from 'drizzle-orm';
import postgres from 'postgres';
import { DEFAULT_DEADLINE_RULES, planClocks, type Clock } from '../src/domain/index.js';
import { createLogger } from '../src/logger.js';
import { tickJobId, tickRunAt, tickSecond } from '../src/ports/jobs.js';
import { clockRow } from '../src/services/deadline-sync.js';
import { policies } from '../src/services/policy-cache.js';
import type { Db } from '../src/store/db.js';
import { deadlineClocks, matters, roles } from '../src/store/schema.js';
import { BotApiStandIn } from './bot-api-stand-in.js';
import { fmt, pct, rawBullmq, rawInserts, seed, startService, withDatabase } from './support.js';

const { values } = parseArgs({
  options: {
    pending: { type: 'string', default: '100000' },
    due: { type: 'string', default: '5000' },
    'timer-concurrency': { type: 'string', default: '20' },
    redis: { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
    'pg-admin': { type: 'string', default: process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
    /** How long after the workers start the batch comes due, so its tick waits in the delayed set first. */
    'lead-ms': { type: 'string', default: '5000' },
  },
});
/** Running clocks: two per open matter (accept, settle). */
const PENDING = Number(values.pending);
const DUE = Math.min(Number(values.due), Math.floor(PENDING / 2));
const CONCURRENCY = Number(values['timer-concurrency']);
const LEAD_MS = Number(values['lead-ms']);
const MATTERS = Math.floor(PENDING / 2);
const ACCEPT_MS = 120 * 60_000; // the default accept limit of a small 求助
const PAGE = 1000;
const CLOSE_WITHIN_MS = 10_000;
/** Set once the bench stops waiting for the service: what it logs about its database going away is not news. */
let muted = false;
const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn', destination: { write: (line: string) => void (muted || process.stdout.write(line)) } });

async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? NaN);
}

/**
 * The open matters and their clocks, as the service would have set them: the batch reported two
 * hours before `dueAt` (warned at 75% already), the rest in the last hour (their limits later).
 * Returns every running clock's next due second, for the ticks.
 */
const i0 = (ref: string) => Number(ref.slice(2));

async function seedMatters(db: Db, dueAt: number): Promise<number[]> {
  const units = await db.select({ unit: roles.gridNodeId, officer: roles.personId }).from(roles).where(eq(roles.role, 'officer_full'));
  const limits = await policies(db);
  const seconds = new Set<number>();
  const now = Date.now();
  for (let start = 0; start < MATTERS; start += PAGE) {
    const rows = Array.from({ length: Math.min(PAGE, MATTERS - start) }, (_, j) => {
      const i = start + j;
      const u = units[i % units.length]!;
      const createdAt = new Date(i < DUE ? dueAt - ACCEPT_MS : now - randomInt(0, 3_600_000));
      return { ref: `B-${i}`, category: 'help' as const, size: 'small' as const, step: 'dispatch' as const, state: 'open' as const, level: 'unit' as const, gridNodeId: u.unit, assigneeId: u.officer, firstAssigneeId: u.officer, summary: `第${i}号：路灯坏了，晚上看不见路`, createdAt, dispatchedAt: createdAt };
    });
    const inserted = await db.insert(matters).values(rows).returning();
    const clocks = inserted.flatMap((m) => {
      const planned = planClocks({ matter: m, clocks: [], policies: limits, rules: DEFAULT_DEADLINE_RULES, now: m.createdAt, pausedSince: null });
      // The batch's officers were warned at 75%, half an hour before.
      return planned.map((c): Clock => (c.next.kind === 'accept' && i0(m.ref) < DUE ? { ...c.next, warnedAt: c.next.warnAt } : c.next)).map((c) => clockRow(m.id, c));
    });
    await db.insert(deadlineClocks).values(clocks);
    // As the clocks' outbox rows would set them: the tick of the warning's second and of the limit's.
    for (const c of clocks) for (const at of !c.warnedAt && c.warnAt < c.dueAt ? [c.warnAt, c.dueAt] : [c.dueAt]) seconds.add(tickSecond(at));
  }
  return [...seconds];
}

async function main(): Promise<void> {
  const raw = await withDatabase(values['pg-admin']!, async (url) => ({ inserts: await rawInserts(url), bullmq: await rawBullmq(values.redis!) }));
  await withDatabase(values['pg-admin']!, async (url) => {
    const api = new BotApiStandIn(false, randomInt(100_000, 999_999));
    await api.start();
    const redis = new Redis(values.redis!, { maxRetriesPerRequest: null });
    const sql = postgres(url, { max: 2, onnotice: () => {} });
    // The service first (its repair pass at start finds no clock), then the matters, as if reported over the last hour.
    const service = await startService({ url, redis: values.redis!, api, logger, concurrency: CONCURRENCY, seedFirst: (db) => seed(db, 0).then(() => {}), ...(process.env.BENCH_DEBUG ? { wrap: ((name: string, h: any) => async (d: any, m: any) => { const t = Date.now(); const out = await h(d, m); if (name === 'deadline' && d.op === 'tick' && out.missed) console.error('tick started', t - Date.parse(d.at), 'ms after its second, took', Date.now() - t, JSON.stringify(out)); return out; }) as any } : {}) }).catch(async (err) => {
      await api.close();
      throw err;
    });
    try {
      const { runtime } = service;
      const db = runtime.store.db;
      const queues = runtime.queues!;
      const t0 = performance.now();
      // Far enough ahead that seeding ends first; then moved to LEAD_MS from now.
      let dueAt = Math.ceil((Date.now() + 3_600_000) / 1000) * 1000;
      const seconds = await seedMatters(db, dueAt);
      const seedSeconds = (performance.now() - t0) / 1000;
      const batchIds = (await db.select({ id: matters.id }).from(matters).where(inArray(matters.ref, Array.from({ length: DUE }, (_, i) => `B-${i}`)))).map((r) => r.id);
      const shift = Math.ceil((Date.now() + LEAD_MS) / 1000) * 1000 - dueAt;
      const moved = (cols: string[]) => cols.map((c) => `${c} = ${c} + $1 * interval '1 millisecond'`).join(', ');
      await sql.unsafe(`update gridline.matters set ${moved(['created_at', 'dispatched_at'])} where id = any($2)`, [shift, batchIds]);
      await sql.unsafe(`update gridline.deadline_clocks set ${moved(['started_at', 'due_at', 'warn_at', 'warned_at'])} where matter_id = any($2)`, [shift, batchIds]);
      const original = dueAt / 1000;
      dueAt += shift;
      const memBefore = await usedMemory(redis);
      // The ticks the clocks' outbox rows would have set: one per due second.
      const ticks = [...new Set(seconds.map((s) => (s === original ? dueAt / 1000 : s)))];
      for (let i = 0; i < ticks.length; i += PAGE) {
        const now = Date.now();
        await queues.addBulk('deadline', ticks.slice(i, i + PAGE).map((s) => ({ data: { op: 'tick' as const, at: new Date(s * 1000).toISOString() }, jobId: tickJobId(new Date(s * 1000)), delay: Math.max(0, tickRunAt(s).getTime() - now) })));
      }
      const memPending = await usedMemory(redis);
      const delayed = await queues.queue('deadline').getDelayedCount();
      const [{ n: running }] = (await sql`select count(*)::int as n from gridline.deadline_clocks where status = 'running'`) as unknown as [{ n: number }];
      if (Date.now() >= dueAt) throw new Error('setting up took longer than the lead time; raise --lead-ms');

      // When the batch's clocks are seen fired (polled on the due index), and when its climbs are done.
      const late: number[] = [];
      let left = DUE;
      while (left > 0 && Date.now() < dueAt + 60_000) {
        const [{ n }] = (await sql`select count(*)::int as n from gridline.deadline_clocks where status = 'running' and due_at <= ${new Date(dueAt)}`) as unknown as [{ n: number }];
        const t = Date.now();
        if (t >= dueAt) for (let k = n; k < left; k++) late.push(t - dueAt);
        left = Math.min(left, n);
        await new Promise((r) => setTimeout(r, 5));
      }
      const climbed: number[] = [];
      let seen = 0;
      while (seen < DUE && Date.now() < dueAt + 300_000 && (seen > 0 || late.length > 0)) {
        const [{ n }] = (await sql`select count(*)::int as n from gridline.matter_events where action = 'escalate'`) as unknown as [{ n: number }];
        const t = Date.now();
        for (let k = seen; k < n; k++) climbed.push(t - dueAt);
        seen = n;
        await new Promise((r) => setTimeout(r, 50));
      }
      const missed = await db.select({ id: matters.id }).from(matters).where(and(inArray(matters.id, batchIds), eq(matters.level, 'village')));

      if (process.env.BENCH_DEBUG) {
        const j = await queues.queue('deadline').getJob(tickJobId(new Date(dueAt)));
        console.error('tick', tickJobId(new Date(dueAt)), await j?.getState(), JSON.stringify(j?.returnvalue), j?.failedReason, 'due', new Date(dueAt).toISOString(), 'counts', JSON.stringify(await queues.queue('deadline').getJobCounts()));
        const { mattersWithDueClocks } = await import('../src/store/repositories/deadline-repository.js');
        const { handleDeadlineJob } = await import('../src/services/deadline-timers.js');

      }
      const within = late.filter((ms) => ms <= 300).length;
      console.log(`\ndeadlines in ticks: Postgres + Redis (${values.redis}), the real service, deadline worker concurrency ${CONCURRENCY}`);
      console.log(`  ${fmt(running)} pending deadlines (running clocks of ${fmt(MATTERS)} open matters), seeded in ${fmt(seedSeconds, 1)} s; ${fmt(delayed)} ticks waiting (one per due second)`);
      console.log(`  Redis used_memory: ${fmt(memBefore / 1048576, 1)} MiB before the ticks → ${fmt(memPending / 1048576, 1)} MiB with them waiting (${fmt((memPending - memBefore) / Math.max(1, running))} B per pending deadline)`);
      console.log(`  batch of ${fmt(DUE)} due at one instant: miss recorded for ${fmt(late.length)}; late by min ${fmt(late[0] ?? NaN)} ms, p50 ${fmt(pct(late, 50))} ms, p99 ${fmt(pct(late, 99))} ms, max ${fmt(late.at(-1) ?? NaN)} ms; within 300 ms: ${fmt(within)}/${fmt(DUE)}`);
      console.log(`  their climbs (escalate through performAction: alerts, notices, new clocks): ${fmt(climbed.length)} done, p50 ${fmt(pct(climbed, 50) / 1000, 1)} s, p99 ${fmt(pct(climbed, 99) / 1000, 1)} s, last ${fmt((climbed.at(-1) ?? NaN) / 1000, 1)} s after due; ${fmt(missed.length)} at the village`);
      console.log(`  raw bounds, same run: ${fmt(raw.inserts)} single-row inserts/s; ${fmt(raw.bullmq)} BullMQ no-op jobs/s (a job per deadline drains ${fmt(DUE)} in ≥ ${fmt((DUE / raw.bullmq) * 1000)} ms)`);
      if (late.length < DUE) process.exitCode = 1;
    } finally {
      // The climbs left thousands of notices to the few officers and leaders, each chat at its
      // pace: the bench does not wait for them to be sent.
      if (!(await service.close(CLOSE_WITHIN_MS))) {
        console.log(`  (the service was still sending the climbs' notices ${fmt(CLOSE_WITHIN_MS / 1000)} s after the bench ended; not waited for)`);
        muted = true;
      }
      await api.close();
      await sql.end();
      redis.disconnect();
    }
  });
}

await main();
// A service given up on (see CLOSE_WITHIN_MS) still holds its connections: the run is over.
process.exit();
