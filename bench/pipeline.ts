// npm run bench [-- --reports N] — the path users take: N villagers report at once through the
// Telegram adapter (signed webhook updates into the real service: HTTP server, inbox, flows,
// intake, routing, the outbox and the send workers), each going 反映问题 → category → words →
// 说完了 → 跳过 → 提交 as a person does; the bot answers through a Bot API stand-in that records
// when each message left. Measured: reports/s, and from the 提交 press to the villager's receipt
// and to the officer's notice. Printed beside the raw bounds measured in the same run (BullMQ
// no-op jobs/s, Postgres single-row inserts/s). Telegram's send limits are lifted: the bench
// measures gridline, not the platform's 30 messages a second. No time limit is asserted.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRuntime } from '../src/app/runtime.js';
import { createAppServer } from '../src/app/http.js';
import { createLogger } from '../src/logger.js';
import { BotApiStandIn, type Sent } from './bot-api-stand-in.js';
import { gridNodes, identities, people, roles } from '../src/store/schema.js';
import type { Db } from '../src/store/db.js';

const { values } = parseArgs({
  options: {
    reports: { type: 'string', default: process.env.BENCH_REPORTS ?? '300' },
    concurrency: { type: 'string', default: '20' },
    'pg-admin': { type: 'string', default: process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
    redis: { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
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

const STAFF_ID = 600_000;
const VILLAGER_ID = 700_000;

/** The village: 27 unit grids with a full- and a part-time officer each, and `villagers` villagers on Telegram; returns their user ids. */
async function seed(db: Db, villagers: number): Promise<number[]> {
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
  await db.insert(identities).values(staff.map((p, i) => ({ personId: p.id, platform: 'telegram' as const, externalId: String(STAFF_ID + i), chatId: String(STAFF_ID + i) })));
  const ids: number[] = [];
  for (let start = 0; start < villagers; start += 500) {
    const batch = await db
      .insert(people)
      .values(Array.from({ length: Math.min(500, villagers - start) }, (_, j) => ({ code: `b-v-${start + j}`, name: `村民${start + j}` })))
      .returning();
    await db.insert(roles).values(batch.map((p, j) => ({ personId: p.id, gridNodeId: units[(start + j) % units.length]!.id, role: 'villager' as const })));
    await db.insert(identities).values(batch.map((p, j) => ({ personId: p.id, platform: 'telegram' as const, externalId: String(VILLAGER_ID + start + j), chatId: String(VILLAGER_ID + start + j) })));
    ids.push(...batch.map((_, j) => VILLAGER_ID + start + j));
  }
  return ids;
}


interface Run {
  reports: number;
  seconds: number;
  receipt: number[];
  notice: number[];
}

/** One villager's report, step by step as the bot asks; resolves with the time of the 提交 press and the receipt's reference. */
function villager(api: BotApiStandIn, post: (update: Record<string, unknown>) => Promise<void>, userId: number, i: number, receipts: Map<string, number>): Promise<{ submitAt: number; ref: string }> {
  const from = { id: userId, is_bot: false, first_name: `村民${i}`, language_code: 'zh-hans' };
  const chat = { id: userId, type: 'private' };
  let msg = 1;
  const say = (text: string) => post({ message: { message_id: msg++, date: Math.floor(Date.now() / 1000), from, chat, text } });
  const press = (m: Sent, label: string) => {
    const data = m.buttons.find((b) => b.text === label)?.callback_data;
    return post({ callback_query: { id: `${userId}-${msg++}`, from, chat_instance: String(userId), data, message: { message_id: m.messageId, date: Math.floor(Date.now() / 1000), chat, text: m.text } } });
  };
  return new Promise((resolve, reject) => {
    let submitAt = 0;
    const steps: Array<[(m: Sent) => boolean, (m: Sent) => Promise<void>]> = [
      [(m) => m.buttons.some((b) => b.text === '🙋 生活求助'), (m) => press(m, '🙋 生活求助')],
      [(m) => m.text.includes('请说一说是什么事'), () => say(`第${i + 1}号：家门口的路灯坏了好几天了。`)],
      [(m) => m.buttons.some((b) => b.text === '✅ 说完了'), (m) => press(m, '✅ 说完了')],
      [(m) => m.text.includes('事情发生在哪里'), () => say('跳过')],
      [
        (m) => m.buttons.some((b) => b.text === '📨 提交'),
        (m) => {
          submitAt = performance.now();
          return press(m, '📨 提交');
        },
      ],
    ];
    api.listeners.set(userId, (m) => {
      const ref = /受理编号 (\d{4}-\d{4})/.exec(m.text)?.[1];
      if (ref && submitAt) {
        receipts.set(ref, m.at - submitAt);
        api.listeners.delete(userId);
        return resolve({ submitAt, ref });
      }
      const step = steps[0];
      if (step && step[0](m)) {
        steps.shift();
        step[1](m).catch(reject);
      }
    });
    say('反映问题').catch(reject);
  });
}

async function throughTelegram(url: string, reports: number): Promise<Run> {
  const api = new BotApiStandIn();
  await api.start();
  const secret = `bench-${randomBytes(12).toString('hex')}`;
  const http0 = createServer();
  await new Promise<void>((r) => http0.listen(0, '127.0.0.1', r));
  const port = (http0.address() as AddressInfo).port;
  await new Promise<void>((r) => http0.close(() => r()));
  const webhookUrl = `http://127.0.0.1:${port}/telegram/webhook`;
  const runtime = await createRuntime({
    store: { kind: 'postgres', url, poolSize: 20 },
    queue: { kind: 'redis', url: values.redis!, prefix: `glbench${randomBytes(3).toString('hex')}` },
    logger,
    relayIntervalMs: 250,
    telegram: {
      token: api.token,
      apiRoot: api.url,
      webhookUrl,
      webhookSecret: secret,
      // The platform's limits lifted: what is measured is gridline.
      limits: { globalPerSecond: 100_000, chatPerSecond: 1000, chatBurst: 100 },
      flood: { burst: 1000, perMinute: 100_000 },
    },
  });
  const http = createAppServer({ runtime, logger, adminToken: randomBytes(16).toString('hex') });
  try {
    const users = await seed(runtime.store.db, reports);
    runtime.startWorkers({ concurrency: CONCURRENCY });
    await http.listen({ host: '127.0.0.1', port });
    await runtime.startAdapters();
    let updateId = 1;
    const post = async (update: Record<string, unknown>) => {
      const r = await fetch(webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret }, body: JSON.stringify({ update_id: updateId++, ...update }) });
      if (!r.ok) throw new Error(`webhook answered ${r.status}`);
    };
    const receipts = new Map<string, number>();
    const t0 = performance.now();
    const filed = await Promise.all(users.map((u, i) => villager(api, post, u, i, receipts)));
    // Done when every officer has been told of each matter.
    const submitted = new Map(filed.map((f) => [f.ref, f.submitAt]));
    const notice = new Map<string, number>();
    while (notice.size < filed.length) {
      for (const m of api.sent) {
        if (m.chatId >= VILLAGER_ID) continue;
        const ref = /(\d{4}-\d{4})/.exec(m.text)?.[1];
        if (ref && submitted.has(ref) && !notice.has(ref)) notice.set(ref, m.at - submitted.get(ref)!);
      }
      if (notice.size < filed.length) await new Promise((r) => setTimeout(r, 100));
    }
    const seconds = (Math.max(...api.sent.map((m) => m.at)) - t0) / 1000;
    return { reports: filed.length, seconds, receipt: [...receipts.values()], notice: [...notice.values()] };
  } finally {
    await runtime.adapter('telegram')?.stop?.();
    await http.close();
    await runtime.close();
    await api.close();
  }
}

async function main(): Promise<void> {
  console.log(`gridline bench — ${REPORTS} villagers reporting at once through the Telegram webhook, worker concurrency ${CONCURRENCY}, Postgres + Redis on this machine\n`);
  const raw = await withDatabase(async (url) => ({ bullmq: await rawBullmq(), inserts: await rawInserts(url) }));
  const run = await withDatabase((url) => throughTelegram(url, REPORTS));
  const rate = run.reports / run.seconds;
  const rows: Array<[string, string, string]> = [
    ['reports (反映问题 … 提交 → officer told)', `${fmt(rate, 1)} reports/s (${fmt(run.reports)} in ${fmt(run.seconds, 1)} s)`, `BullMQ no-op jobs, concurrency 50: ${fmt(raw.bullmq)} jobs/s`],
    ['提交 → villager\'s receipt sent', `p50 ${fmt(pct(run.receipt, 50))} ms  p95 ${fmt(pct(run.receipt, 95))} ms`, `Postgres single-row inserts, 50 in flight: ${fmt(raw.inserts)} rows/s`],
    ['提交 → officer\'s notice sent', `p50 ${fmt(pct(run.notice, 50))} ms  p95 ${fmt(pct(run.notice, 95))} ms`, ''],
  ];
  // Chinese characters take two columns on a terminal.
  const width = (t: string) => [...t].reduce((n, c) => n + (/[\u2e80-\u9fff\uff00-\uffef]/.test(c) ? 2 : 1), 0);
  const pad = (t: string, w: number) => t + ' '.repeat(Math.max(0, w - width(t)));
  const w0 = Math.max(...rows.map((r) => width(r[0]))) + 2;
  const w1 = Math.max(...rows.map((r) => width(r[1]))) + 2;
  console.log(`${pad('the path users take', w0)}${pad('measured', w1)}raw bound (same run)`);
  for (const [a, b, c] of rows) console.log(`${pad(a, w0)}${pad(b, w1)}${c}`);
  console.log(`\nper report: ${fmt(rate / raw.inserts, 4)} of the raw insert rate, ${fmt(rate / raw.bullmq, 4)} of the raw job rate (one report is ~6 updates, ~10 messages and dozens of rows and jobs)`);
}

await main();
process.exit(0);
