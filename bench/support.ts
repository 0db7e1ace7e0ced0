// What the benches that drive the service through Telegram share: a database of their own, the
// raw bounds (BullMQ no-op jobs/s, Postgres single-row inserts/s), the village they seed, the
// service started on the Bot API stand-in, and a villager who reports as a person does.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { createAppServer } from '../src/app/http.js';
import { createRuntime, type Runtime, type StartWorkersOptions } from '../src/app/runtime.js';
import type { RateLimits } from '../src/channels/telegram/send-scheduler.js';
import type { FloodLimits } from '../src/channels/flood-guard.js';
import type { Logger } from '../src/logger.js';
import { gridNodes, identities, people, roles } from '../src/store/schema.js';
import type { Db } from '../src/store/db.js';
import type { BotApiStandIn, Sent } from './bot-api-stand-in.js';

export const pct = (xs: number[], p: number): number => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
export const fmt = (n: number, d = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

export async function withDatabase<T>(pgAdmin: string, fn: (url: string) => Promise<T>): Promise<T> {
  const name = `gl_bench_${randomBytes(4).toString('hex')}`;
  const admin = postgres(pgAdmin, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(pgAdmin);
  url.pathname = `/${name}`;
  try {
    return await fn(url.toString());
  } finally {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

/**
 * Posts one update to the webhook as Telegram does: signed, and delivered again when the
 * connection dropped it (a reset under a burst of a thousand connections), the same update, which
 * the service takes once.
 */
export async function deliverUpdate(webhookUrl: string, secret: string, update: Record<string, unknown>): Promise<void> {
  const body = JSON.stringify(update);
  for (let attempt = 1; ; attempt++) {
    const r = await fetch(webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret }, body }).catch((err: unknown) => {
      if (attempt >= 5) throw err;
      return null;
    });
    if (!r) {
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      continue;
    }
    if (!r.ok) throw new Error(`webhook answered ${r.status}`);
    return;
  }
}

/** Deletes every key under a prefix. */
export async function dropKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** CPU seconds used so far: this process (the service with the stand-in and the villagers), Postgres's processes, Redis's, and the whole machine. */
export interface CpuSample {
  self: number;
  postgres: number;
  redis: number;
  machine: number;
}

/**
 * Where the machine's CPU went (Linux's /proc; zeros elsewhere). Postgres's count includes its
 * ended backends (the postmaster's children's time), so a run's pool opening and closing is in it.
 */
export function cpuSample(): CpuSample {
  const tick = 100; // USER_HZ
  const own = process.cpuUsage();
  const out: CpuSample = { self: (own.user + own.system) / 1e6, postgres: 0, redis: 0, machine: 0 };
  try {
    const [, ...f] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
    const n = f.map(Number);
    // user nice system idle iowait irq softirq steal: busy is all but idle and iowait.
    out.machine = (n.slice(0, 8).reduce((a, b) => a + b, 0) - n[3]! - n[4]!) / tick;
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      } catch {
        continue; // ended meanwhile
      }
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
      // Fields 14–17 of stat (utime stime cutime cstime) are 11–14 after the name and state.
      const ticks = rest[11]! + rest[12]!;
      const children = rest[13]! + rest[14]!;
      if (name === 'postgres') out.postgres += (ticks + children) / tick;
      else if (name === 'redis-server') out.redis += ticks / tick;
    }
  } catch {
    // not Linux: only this process is known
  }
  return out;
}

/** CPU seconds used between two samples, each part. */
export const cpuSince = (a: CpuSample, b: CpuSample = cpuSample()): CpuSample => ({ self: b.self - a.self, postgres: b.postgres - a.postgres, redis: b.redis - a.redis, machine: b.machine - a.machine });

/** Raw bound 1: BullMQ no-op jobs per second at concurrency 50. */
export async function rawBullmq(redisUrl: string, n = 20_000): Promise<number> {
  const prefix = `glbench${randomBytes(3).toString('hex')}`;
  const conn = () => new Redis(redisUrl, { maxRetriesPerRequest: null });
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
export async function rawInserts(url: string, n = 10_000): Promise<number> {
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

export const STAFF_ID = 600_000;
export const VILLAGER_ID = 700_000;
export const CADRE_ID = 590_000;

export interface Village {
  countyId: string;
  /** The villagers' Telegram user ids, in order (villager i lives in unit grid i mod 27). */
  villagers: number[];
}

/**
 * The village: 27 unit grids with a full- and a part-time officer each, and `villagers` villagers
 * on Telegram. `timezone`: the grids' zone (default Asia/Shanghai).
 */
export async function seed(db: Db, villagers: number, timezone?: string): Promise<Village> {
  const zone = timezone ? { timezone } : {};
  const [county] = await db.insert(gridNodes).values({ code: 'b-county', name: '分宜县', level: 'county', path: 'b-county', ...zone }).returning();
  const [town] = await db.insert(gridNodes).values({ code: 'b-town', name: '湖泽镇', level: 'township', parentId: county!.id, path: 'b-county/b-town', ...zone }).returning();
  const [village] = await db.insert(gridNodes).values({ code: 'b-village', name: '水川村', level: 'village', parentId: town!.id, path: 'b-county/b-town/b-village', ...zone }).returning();
  const units = await db
    .insert(gridNodes)
    .values(Array.from({ length: 27 }, (_, i) => ({ code: `b-g${i + 1}`, name: `第${i + 1}组`, level: 'unit' as const, parentId: village!.id, path: `b-county/b-town/b-village/b-g${i + 1}`, ...zone })))
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
  return { countyId: county!.id, villagers: ids };
}

export type Post = (update: Record<string, unknown>) => Promise<void>;

export interface Service {
  runtime: Runtime;
  /** Posts an update to the webhook as Telegram does (signed, with the next update id). */
  post: Post;
  /**
   * Closes the service (its workers finish what they hold, a send job the queue it drains) and
   * deletes the run's keys in Redis. With `withinMs`, gives up waiting after that long: false.
   */
  close(withinMs?: number): Promise<boolean>;
}

/**
 * The real service on the stand-in: runtime (Postgres + Redis queues), the HTTP server with the
 * Telegram webhook. `seedFirst` runs on its database before the workers start.
 */
export async function startService(o: {
  url: string;
  redis: string;
  api: BotApiStandIn;
  logger: Logger;
  concurrency: number;
  limits?: Partial<RateLimits>;
  flood?: FloodLimits;
  seedFirst?: (db: Db) => Promise<void>;
  /** Wraps each job handler (a bench's tracing). */
  wrap?: StartWorkersOptions['wrap'];
}): Promise<Service> {
  const secret = `bench-${randomBytes(12).toString('hex')}`;
  const http0 = createServer();
  await new Promise<void>((r) => http0.listen(0, '127.0.0.1', r));
  const port = (http0.address() as AddressInfo).port;
  await new Promise<void>((r) => http0.close(() => r()));
  const webhookUrl = `http://127.0.0.1:${port}/telegram/webhook`;
  const ns = `glbench${randomBytes(3).toString('hex')}`;
  const runtime = await createRuntime({
    store: { kind: 'postgres', url: o.url, poolSize: 20 },
    // The rate buckets in a namespace of this run's own: nobody else's sends count against it.
    queue: { kind: 'redis', url: o.redis, prefix: ns, shared: `${ns}:` },
    logger: o.logger,
    relayIntervalMs: 250,
    telegram: { token: o.api.token, apiRoot: o.api.url, webhookUrl, webhookSecret: secret, ...(o.limits ? { limits: o.limits } : {}), ...(o.flood ? { flood: o.flood } : {}) },
  });
  const http = createAppServer({ runtime, logger: o.logger, adminToken: randomBytes(16).toString('hex') });
  let updateId = 1;
  const post: Post = (update) => deliverUpdate(webhookUrl, secret, { update_id: updateId++, ...update });
  const close = async (withinMs?: number) => {
    const graceful = (async () => {
      await runtime.adapter('telegram')?.stop?.();
      await http.close();
      await runtime.close();
      return true;
    })();
    const closed = withinMs === undefined ? await graceful : await Promise.race([graceful, new Promise<boolean>((resolve) => setTimeout(() => resolve(false), withinMs).unref())]);
    // The run's queues and rate buckets go with it: nothing of a bench stays in Redis.
    await dropKeys(o.redis, ns);
    return closed;
  };
  try {
    await o.seedFirst?.(runtime.store.db);
    runtime.startWorkers({ concurrency: o.concurrency, ...(o.wrap ? { wrap: o.wrap } : {}) });
    await http.listen({ host: '127.0.0.1', port });
    await runtime.startAdapters();
  } catch (err) {
    await close();
    throw err;
  }
  return { runtime, post, close };
}

/** A person in a private chat with the bot: says things, presses buttons under the bot's messages. */
export function person(post: Post, userId: number, name: string) {
  const from = { id: userId, is_bot: false, first_name: name, language_code: 'zh-hans' };
  const chat = { id: userId, type: 'private' };
  let msg = 1;
  return {
    say: (text: string) => {
      const command = text.startsWith('/') ? { entities: [{ type: 'bot_command', offset: 0, length: text.split(' ')[0]!.length }] } : {};
      return post({ message: { message_id: msg++, date: Math.floor(Date.now() / 1000), from, chat, text, ...command } });
    },
    press: (m: Sent, label: string) => {
      const data = m.buttons.find((b) => b.text === label)?.callback_data;
      if (!data) throw new Error(`no button ${label} under: ${m.text.slice(0, 40)}`);
      return post({ callback_query: { id: `${userId}-${msg++}`, from, chat_instance: String(userId), data, message: { message_id: m.messageId, date: Math.floor(Date.now() / 1000), chat, text: m.text } } });
    },
  };
}

/**
 * One villager's report, step by step as the bot asks (反映问题 → category → words → 说完了 →
 * 跳过 → 提交); resolves with the time of the 提交 press and the receipt's reference, and records
 * the receipt's latency in `receipts`. Messages that are not the next step (a notice) are passed over.
 * `thinkMs`: how long they take to read each question and answer (0: at once, as a script does).
 */
export function villagerReports(api: BotApiStandIn, post: Post, userId: number, i: number, receipts: Map<string, number>, thinkMs = 0): Promise<{ submitAt: number; ref: string }> {
  const p = person(post, userId, `村民${i}`);
  const think = () => (thinkMs ? new Promise((r) => setTimeout(r, thinkMs)) : Promise.resolve());
  return new Promise((resolve, reject) => {
    let submitAt = 0;
    const steps: Array<[(m: Sent) => boolean, (m: Sent) => Promise<void>]> = [
      [(m) => m.buttons.some((b) => b.text === '🙋 生活求助'), (m) => p.press(m, '🙋 生活求助')],
      [(m) => m.text.includes('请说一说是什么事'), () => p.say(`第${i + 1}号：家门口的路灯坏了好几天了。`)],
      [(m) => m.buttons.some((b) => b.text === '✅ 说完了'), (m) => p.press(m, '✅ 说完了')],
      [(m) => m.text.includes('事情发生在哪里'), () => p.say('跳过')],
      [
        (m) => m.buttons.some((b) => b.text === '📨 提交'),
        (m) => {
          submitAt = performance.now();
          return p.press(m, '📨 提交');
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
        think()
          .then(() => step[1](m))
          .catch(reject);
      }
    });
    p.say('反映问题').catch(reject);
  });
}

/** When each matter's officer was told of it (after `submitted`), from the messages to staff; waits until all were. */
export async function officerNotices(api: BotApiStandIn, submitted: Map<string, number>): Promise<Map<string, number>> {
  const notice = new Map<string, number>();
  while (notice.size < submitted.size) {
    for (const m of api.sent) {
      if (m.chatId < STAFF_ID || m.chatId >= VILLAGER_ID) continue;
      const ref = /(\d{4}-\d{4})/.exec(m.text)?.[1];
      if (ref && submitted.has(ref) && !notice.has(ref)) notice.set(ref, m.at - submitted.get(ref)!);
    }
    if (notice.size < submitted.size) await new Promise((r) => setTimeout(r, 100));
  }
  return notice;
}

/** Prints rows of (what, measured, raw bound) in columns; Chinese characters take two columns on a terminal. */
export function printTable(header: [string, string, string], rows: Array<[string, string, string]>): void {
  const width = (t: string) => [...t].reduce((n, c) => n + (/[\u2e80-\u9fff\uff00-\uffef]/.test(c) ? 2 : 1), 0);
  const pad = (t: string, w: number) => t + ' '.repeat(Math.max(0, w - width(t)));
  const all = [header, ...rows];
  const w0 = Math.max(...all.map((r) => width(r[0]))) + 2;
  const w1 = Math.max(...all.map((r) => width(r[1]))) + 2;
  for (const [a, b, c] of all) console.log(`${pad(a, w0)}${pad(b, w1)}${c}`);
}
