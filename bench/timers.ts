// npm run bench:timers [-- --pending N --due N --timer-concurrency N] — deadline timers on Redis:
// N pending (default 100,000) as BullMQ delayed jobs with the service's job options and real
// payloads, of which a batch (default 5,000) comes due at one instant. Prints how late each of the
// batch fires against its due time (p50/p99/max) and the Redis memory the pending timers take.
// The handler only records the time: this measures the timer layer, not the escalation it starts.
import { randomBytes, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { createLogger } from '../src/logger.js';
import { deadlineJobId, type DeadlineTimer } from '../src/ports/jobs.js';
import { QueueSystem } from '../src/queue/queue-system.js';

const { values } = parseArgs({
  options: {
    pending: { type: 'string', default: '100000' },
    due: { type: 'string', default: '5000' },
    'timer-concurrency': { type: 'string', default: '20' },
    redis: { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
    /** How long after scheduling the batch comes due, so all of it waits in the delayed set first. */
    'lead-ms': { type: 'string', default: '3000' },
  },
});
const PENDING = Number(values.pending);
const DUE = Math.min(Number(values.due), PENDING);
const CONCURRENCY = Number(values['timer-concurrency']);
const LEAD_MS = Number(values['lead-ms']);
const BATCH = 1000;

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

/** The raw bound, measured in the same run: no-op BullMQ jobs per second at the same concurrency. */
async function rawRate(n = 10_000): Promise<number> {
  const prefix = `glbench${randomBytes(3).toString('hex')}`;
  const connections: Redis[] = [];
  const conn = () => {
    const c = new Redis(values.redis!, { maxRetriesPerRequest: null });
    connections.push(c);
    return c;
  };
  const queue = new Queue('noop', { connection: conn(), prefix });
  let done = 0;
  let finish: () => void = () => {};
  const all = new Promise<void>((r) => (finish = r));
  const worker = new Worker('noop', async () => {}, { connection: conn(), prefix, concurrency: CONCURRENCY, autorun: false });
  worker.on('completed', () => {
    if (++done === n) finish();
  });
  const t0 = performance.now();
  void worker.run();
  for (let i = 0; i < n; i += BATCH) await queue.addBulk(Array.from({ length: Math.min(BATCH, n - i) }, (_, j) => ({ name: 'noop', data: { i: i + j }, opts: { removeOnComplete: true } })));
  await all;
  const rate = n / ((performance.now() - t0) / 1000);
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  for (const c of connections) c.disconnect();
  return rate;
}

async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? NaN);
}

function timer(at: Date, i: number): DeadlineTimer {
  return { op: 'fire', matterId: randomUUID(), limit: (['accept', 'reply', 'settle'] as const)[i % 3]!, version: 1 + (i % 4), phase: 'due', at: at.toISOString(), step: 'dispatch', level: 'unit', assigneeId: randomUUID() };
}

async function main(): Promise<void> {
  const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn' });
  const prefix = `glbench${randomBytes(3).toString('hex')}`;
  const redis = new Redis(values.redis!, { maxRetriesPerRequest: null });
  const queues = await QueueSystem.open({ kind: 'redis', url: values.redis!, prefix }, logger);
  const q = queues.queue('deadline');
  const memBefore = await usedMemory(redis);

  // The far ones: due one to seven days out, as open matters' limits are.
  const far = PENDING - DUE;
  const t0 = performance.now();
  for (let i = 0; i < far; i += BATCH) {
    const now = Date.now();
    const list = Array.from({ length: Math.min(BATCH, far - i) }, (_, j) => timer(new Date(now + 86_400_000 * (1 + ((i + j) % 7)) + j), i + j));
    await queues.addBulk('deadline', list.map((t) => ({ data: t, jobId: deadlineJobId(t), delay: Date.parse(t.at) - now })));
  }
  // The batch: all due at one instant, LEAD_MS after they are scheduled.
  const dueAt = Date.now() + LEAD_MS + Math.ceil(DUE / 5000) * 1000;
  const batch = new Set<string>();
  for (let i = 0; i < DUE; i += BATCH) {
    const now = Date.now();
    const list = Array.from({ length: Math.min(BATCH, DUE - i) }, (_, j) => timer(new Date(dueAt), far + i + j));
    for (const t of list) batch.add(deadlineJobId(t));
    await queues.addBulk('deadline', list.map((t) => ({ data: t, jobId: deadlineJobId(t), delay: Date.parse(t.at) - now })));
  }
  const scheduleSeconds = (performance.now() - t0) / 1000;
  if (Date.now() >= dueAt) throw new Error('scheduling took longer than the lead time; raise --lead-ms');
  const delayed = await q.getDelayedCount();
  const memPending = await usedMemory(redis);

  const late: number[] = [];
  let done: () => void = () => {};
  const all = new Promise<void>((r) => (done = r));
  queues.startWorkers(
    {
      deadline: async (job) => {
        if (job.op === 'fire') late.push(Date.now() - Date.parse(job.at));
        if (late.length === DUE) done();
        return { outcome: 'recorded' };
      },
    },
    { deadline: { concurrency: CONCURRENCY } },
  );
  const timeout = setTimeout(() => done(), Math.max(60_000, dueAt - Date.now() + 60_000));
  await all;
  clearTimeout(timeout);
  const memAfter = await usedMemory(redis);

  const sorted = [...late].sort((a, b) => a - b);
  const within = sorted.filter((ms) => ms <= 1000).length;
  console.log(`\ndeadline timers on Redis (${values.redis}), BullMQ delayed jobs, worker concurrency ${CONCURRENCY}`);
  console.log(`  scheduled ${fmt(PENDING)} pending timers in ${fmt(scheduleSeconds, 1)} s (${fmt(PENDING / scheduleSeconds)}/s); delayed set: ${fmt(delayed)}`);
  console.log(`  Redis used_memory: ${fmt(memBefore / 1048576, 1)} MiB before → ${fmt(memPending / 1048576, 1)} MiB with them waiting (${fmt((memPending - memBefore) / PENDING)} B per timer)`);
  console.log(`  batch of ${fmt(DUE)} due at one instant: fired ${fmt(late.length)}; late by min ${fmt(sorted[0] ?? NaN)} ms, p50 ${fmt(pct(sorted, 50))} ms, p99 ${fmt(pct(sorted, 99))} ms, max ${fmt(sorted.at(-1) ?? NaN)} ms; within 1 s: ${fmt(within)}/${fmt(DUE)}`);
  console.log(`  Redis used_memory after the batch fired: ${fmt(memAfter / 1048576, 1)} MiB (completed jobs are kept an hour, as in the service)`);

  await q.obliterate({ force: true });
  await queues.close();
  const raw = await rawRate();
  console.log(`  raw bound, same run: ${fmt(raw)} no-op jobs/s at concurrency ${CONCURRENCY}, so a batch of ${fmt(DUE)} takes ≥ ${fmt((DUE / raw) * 1000)} ms to drain`);
  redis.disconnect();
  // A timer that never fired is a failure; how late they fired is a figure, not a limit.
  if (late.length < DUE) process.exitCode = 1;
}

await main();
