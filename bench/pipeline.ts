// npm run bench [-- --reports N] — pushes a burst of synthetic reports through
// inbound → stored → routed → notified on the machine's Postgres and Redis, and prints beside it
// this machine's raw bound, measured in the same run.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { inArray } from 'drizzle-orm';
import { createRuntime } from '../src/app/runtime.js';
import type { Channel, ChatTarget, OutboundMessage } from '../src/ports/channel.js';
import { createLogger } from '../src/logger.js';
import { deliveries } from '../src/store/schema.js';
import { gridNodes, identities, people, roles } from '../src/store/schema.js';
import type { Db } from '../src/store/db.js';

const { values } = parseArgs({
  options: {
    reports: { type: 'string', default: process.env.BENCH_REPORTS ?? '10000' },
    concurrency: { type: 'string', default: '40' },
    'pg-admin': { type: 'string', default: process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
    redis: { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
    'paced-seconds': { type: 'string', default: '10' },
  },
});
const REPORTS = Number(values.reports);
const CONCURRENCY = Number(values.concurrency);
const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn' });

const pct = (xs: number[], p: number) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

async function withDatabase<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const name = `gl_bench_${randomBytes(4).toString('hex')}`;
  const admin = postgres(values['pg-admin']!, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(values['pg-admin']!);
  url.pathname = `/${name}`;
  try {
    return await fn(url.toString());
  } finally {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

/** Raw bound 1: BullMQ no-op jobs per second at concurrency 50. */
async function rawBullmq(n = 20_000): Promise<number> {
  const prefix = `glbench${randomBytes(3).toString('hex')}`;
  const conn = () => new Redis(values.redis!, { maxRetriesPerRequest: null });
  const queue = new Queue('noop', { connection: conn(), prefix });
  let done = 0;
  let finish: () => void = () => {};
  const all = new Promise<void>((r) => (finish = r));
  const worker = new Worker('noop', async () => {}, { connection: conn(), prefix, concurrency: 50, autorun: false });
  worker.on('completed', () => {
    if (++done === n) finish();
  });
  const t0 = performance.now();
  void worker.run();
  for (let i = 0; i < n; i += 1000) await queue.addBulk(Array.from({ length: Math.min(1000, n - i) }, (_, j) => ({ name: 'noop', data: { i: i + j }, opts: { removeOnComplete: true } })));
  await all;
  const rate = n / ((performance.now() - t0) / 1000);
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  return rate;
}

/** Raw bound 2: single-row inserts per second, postgres-js pool of 10, 50 in flight. */
async function rawInserts(url: string, n = 10_000): Promise<number> {
  const sql = postgres(url, { max: 10, onnotice: () => {} });
  await sql`create table bench_raw (id bigserial primary key, body text not null, at timestamptz not null default now())`;
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      while (next < n) {
        next++;
        await sql`insert into bench_raw (body) values (${'一条记录'})`;
      }
    }),
  );
  const rate = n / ((performance.now() - t0) / 1000);
  await sql`drop table bench_raw`;
  await sql.end();
  return rate;
}

/** A channel that sends nowhere and notes when each officer's notice went out. */
class TimingChannel implements Channel {
  readonly name = 'telegram' as const;
  sent = 0;
  async deliver(_to: ChatTarget, _m: OutboundMessage): Promise<{ messageRef?: string }> {
    this.sent++;
    return {};
  }
}

async function seed(db: Db, villagers: number): Promise<string[]> {
  const [county] = await db.insert(gridNodes).values({ code: 'b-county', name: '分宜县', level: 'county', path: 'b-county' }).returning();
  const [town] = await db.insert(gridNodes).values({ code: 'b-town', name: '湖泽镇', level: 'township', parentId: county!.id, path: 'b-county/b-town' }).returning();
  const [village] = await db.insert(gridNodes).values({ code: 'b-village', name: '水川村', level: 'village', parentId: town!.id, path: 'b-county/b-town/b-village' }).returning();
  const units = await db
    .insert(gridNodes)
    .values(Array.from({ length: 27 }, (_, i) => ({ code: `b-g${i + 1}`, name: `第${i + 1}组`, level: 'unit' as const, parentId: village!.id, path: `b-county/b-town/b-village/b-g${i + 1}` })))
    .returning();
  const staff = await db
    .insert(people)
    .values(units.flatMap((u, i) => [{ code: `b-full-${i}`, name: `专职${i}` }, { code: `b-part-${i}`, name: `兼职${i}` }]))
    .returning();
  await db.insert(roles).values(units.flatMap((u, i) => [
    { personId: staff[2 * i]!.id, gridNodeId: u.id, role: 'officer_full' as const, title: `${u.name}专职网格员` },
    { personId: staff[2 * i + 1]!.id, gridNodeId: u.id, role: 'officer_part' as const, title: `${u.name}兼职网格员` },
  ]));
  await db.insert(identities).values(staff.map((p, i) => ({ personId: p.id, platform: 'telegram' as const, externalId: `s${i}` })));
  const ids: string[] = [];
  for (let start = 0; start < villagers; start += 500) {
    const batch = await db
      .insert(people)
      .values(Array.from({ length: Math.min(500, villagers - start) }, (_, j) => ({ code: `b-v-${start + j}`, name: `村民${start + j}` })))
      .returning();
    await db.insert(roles).values(batch.map((p, j) => ({ personId: p.id, gridNodeId: units[(start + j) % units.length]!.id, role: 'villager' as const })));
    await db.insert(identities).values(batch.map((p, j) => ({ personId: p.id, platform: 'telegram' as const, externalId: `v${start + j}` })));
    ids.push(...batch.map((_, j) => `v${start + j}`));
  }
  return ids;
}

interface Phase {
  matters: number;
  seconds: number;
  latencies: number[];
}

async function pipeline(url: string, opts: { reports: number; ratePerSecond?: number; seconds?: number }): Promise<Phase> {
  const channel = new TimingChannel();
  const runtime = await createRuntime({
    store: { kind: 'postgres', url, poolSize: 20 },
    queue: { kind: 'redis', url: values.redis!, prefix: `glbench${randomBytes(3).toString('hex')}` },
    logger,
    channels: new Map([['telegram', channel]]),
    relayIntervalMs: 250,
  });
  try {
    const villagers = await seed(runtime.store.db, 2000);
    const timing: Record<string, { n: number; ms: number }> = {};
    runtime.startWorkers({
      concurrency: CONCURRENCY,
      wrap: (name, handler) =>
        (async (data: any, meta: any) => {
          const t = performance.now();
          try {
            return await (handler as any)(data, meta);
          } finally {
            const x = (timing[name] ??= { n: 0, ms: 0 });
            x.n++;
            x.ms += performance.now() - t;
          }
        }) as typeof handler,
    });
    if (process.env.BENCH_DEBUG) setInterval(() => console.log(JSON.stringify(timing)), 2000).unref();
    const total = opts.ratePerSecond ? Math.round(opts.ratePerSecond * (opts.seconds ?? 10)) : opts.reports;
    const sentAt = new Map<string, number>();
    const t0 = performance.now();
    const events = Array.from({ length: total }, (_, i) => ({
      eventId: `bench:${i}`,
      platform: 'telegram' as const,
      externalUserId: villagers[i % villagers.length]!,
      kind: 'report' as const,
      category: (['help', 'complaint', 'dispute', 'hazard', 'consult', 'other'] as const)[i % 6]!,
      text: `第${i}号测试事项：路灯不亮，水管漏水。`,
      receivedAt: '',
    }));
    const inbound = runtime.queues!.queue('inbound');
    if (opts.ratePerSecond) {
      const every = 1000 / opts.ratePerSecond;
      for (let i = 0; i < total; i++) {
        const due = t0 + i * every;
        const wait = due - performance.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
        const e = { ...events[i]!, receivedAt: new Date().toISOString() };
        sentAt.set(e.eventId, Date.now());
        void inbound.add('inbound', e, { jobId: e.eventId.replace(':', '-') });
      }
    } else {
      for (let i = 0; i < total; i += 500) {
        const slice = events.slice(i, i + 500).map((e) => ({ ...e, receivedAt: new Date().toISOString() }));
        for (const e of slice) sentAt.set(e.eventId, Date.now());
        await inbound.addBulk(slice.map((e) => ({ name: 'inbound', data: e, opts: { jobId: e.eventId.replace(':', '-') } })));
      }
    }
    // Done when every officer's notice (template 'assigned') is sent.
    const db = runtime.store.db;
    for (;;) {
      const rows = await runtime.store.db.$count(deliveries, inArray(deliveries.status, ['sent']));
      if (rows >= total * 3) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const seconds = (performance.now() - t0) / 1000;
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    const rows = await sql<{ event: string; sent: Date }[]>`
      select m.source_event_id as event, d.sent_at as sent
      from gridline.deliveries d join gridline.matters m on m.id = d.matter_id
      where d.template = 'assigned'`;
    await sql.end();
    const latencies = rows.map((r) => r.sent.getTime() - sentAt.get(r.event)!).filter((x) => Number.isFinite(x));
    void db;
    return { matters: total, seconds, latencies };
  } finally {
    await runtime.close();
  }
}

async function main(): Promise<void> {
  console.log(`gridline bench — ${REPORTS} reports, worker concurrency ${CONCURRENCY}, Postgres + Redis on this machine\n`);
  const raw = await withDatabase(async (url) => ({ bullmq: await rawBullmq(), inserts: await rawInserts(url) }));
  console.log('raw bound (measured now)');
  console.log(`  BullMQ no-op jobs, concurrency 50     ${fmt(raw.bullmq)} jobs/s`);
  console.log(`  Postgres single-row inserts, 50 in flight ${fmt(raw.inserts)} rows/s\n`);

  const burst = await withDatabase((url) => pipeline(url, { reports: REPORTS }));
  const rate = burst.matters / burst.seconds;
  console.log(`burst: ${fmt(burst.matters)} reports at once, inbound → stored → routed → notified`);
  console.log(`  throughput                 ${fmt(rate, 1)} matters/s (${fmt(burst.seconds, 1)} s)`);
  console.log(`  latency to officer notice  p50 ${fmt(pct(burst.latencies, 50))} ms  p99 ${fmt(pct(burst.latencies, 99))} ms`);
  console.log(`  ratio to raw insert rate   ${fmt(rate / raw.inserts, 3)}  (target ≥ 0.2; ceiling ≈ 0.33)\n`);

  const half = Math.max(1, Math.round(rate / 2));
  const paced = await withDatabase((url) => pipeline(url, { reports: 0, ratePerSecond: half, seconds: Number(values['paced-seconds']) }));
  console.log(`paced: ${fmt(half)} reports/s (half the burst rate) for ${values['paced-seconds']} s`);
  console.log(`  latency to officer notice  p50 ${fmt(pct(paced.latencies, 50))} ms  p99 ${fmt(pct(paced.latencies, 99))} ms  max ${fmt(pct(paced.latencies, 100))} ms  (target p99 < 250 ms)`);
}

await main();
process.exit(0);
