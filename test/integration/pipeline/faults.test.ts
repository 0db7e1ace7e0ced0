// The done-when test of durable intake and recovery: villagers file reports through the Telegram
// stand-in (webhook mode; like Telegram, it delivers an update again until the bot answers 200) to
// the real service process on its own Redis and Postgres, while the service is killed -9 twice,
// Redis restarts empty once, Postgres restarts under load once, and Redis is wiped within the lock
// window of a kill. Every acknowledged report must end a matter, routed once, with every notice
// sent within 60 s of the last fault, doubles no more than the sends in flight at the kills, and
// the service never crashing on its own.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../../src/store/db.js';
import { deliveries, inbox, matterEvents, matters } from '../../../src/store/schema.js';
import { newOfficer, newTree, newVillager } from '../../support/factories.js';
import { PrivatePostgres } from '../../support/postgres-server.js';
import { PrivateRedis } from '../../support/redis-server.js';
import { freePort, TelegramEmulator, type BotMessage } from '../../support/telegram/emulator.js';
import { TelegramPerson } from '../../support/telegram/person.js';
import { waitFor } from '../../support/wait.js';

const BIN = path.resolve('bin/gridline.js');
const SECRET = 'faults-test-secret-0123456789';
/** Workers per queue in the service: sends in flight at a kill are at most the send queue's. */
const CONCURRENCY = 4;
const VILLAGERS = 5;
const STEP_MS = 120_000;
/** How soon the Telegram stand-in delivers an update again after an answer other than 200. */
const REDELIVERY_MS = 300;

describe('reports through Telegram while the service, Redis and Postgres fail', () => {
  let pg: PrivatePostgres;
  let redis: PrivateRedis;
  let emulator: TelegramEmulator;
  let store: Store;
  let service: ChildProcess | null = null;
  let port: number;
  const crashes: string[] = [];
  /** Webhook deliveries the service did not take (no 200): Telegram tries those again. */
  let refused = 0;
  const output: string[] = [];

  const env = () => {
    const e: NodeJS.ProcessEnv = { ...process.env };
    for (const k of ['GRIDLINE_ROSTER', 'SLACK_BOT_TOKEN', 'GRIDLINE_DATA_DIR']) delete e[k];
    return {
      ...e,
      DATABASE_URL: pg.url(),
      REDIS_URL: redis.url,
      HTTP_PORT: String(port),
      HTTP_HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      DEFAULT_LOCALE: 'zh-CN',
      WORKER_CONCURRENCY: String(CONCURRENCY),
      TELEGRAM_BOT_TOKEN: emulator.token,
      TELEGRAM_API_ROOT: emulator.apiRoot,
      TELEGRAM_WEBHOOK_URL: `http://127.0.0.1:${port}/telegram/webhook`,
      TELEGRAM_WEBHOOK_SECRET: SECRET,
    };
  };

  async function startService(): Promise<void> {
    const setBefore = emulator.callsOf('setWebhook').length;
    const child = spawn('node', [BIN, 'serve'], { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
    child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
    child.once('exit', (code, signal) => {
      if (signal !== 'SIGKILL' && signal !== 'SIGTERM') crashes.push(`exit ${code} ${signal ?? ''}`);
    });
    service = child;
    await waitFor(
      () => {
        if (child.exitCode !== null) throw new Error(`the service exited: ${output.join('').slice(-2000)}`);
        return emulator.callsOf('setWebhook').length > setBefore;
      },
      'the service to set its webhook',
      60_000,
      100,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${output.join('').slice(-3000)}`);
    });
  }

  async function kill(): Promise<void> {
    const child = service!;
    await new Promise((res) => {
      child.once('exit', res);
      child.kill('SIGKILL');
    });
  }

  beforeAll(async () => {
    [pg, redis, emulator, port] = await Promise.all([PrivatePostgres.start(), PrivateRedis.start(), TelegramEmulator.start(), freePort()]);
    // Telegram delivers an update again until the bot answers 200: that answer is the acknowledgement.
    const post = (emulator as any).post.bind(emulator);
    (emulator as any).post = async (hook: unknown, body: unknown, updateId: number) => {
      for (;;) {
        const current = (emulator.server as any).webhooks[emulator.token] ?? hook;
        const status = await post(current, body, updateId);
        if (status === 200) return status;
        refused++;
        await new Promise((r) => setTimeout(r, REDELIVERY_MS));
      }
    };
    store = await openStore({ kind: 'postgres', url: pg.url(), poolSize: 3 });
  }, 120_000);

  afterAll(async () => {
    service?.kill('SIGKILL');
    await store?.close().catch(() => {});
    await emulator?.close();
    await redis?.down();
    await pg?.drop();
  });

  it('loses no acknowledged report, routes each once, sends every notice, and never crashes', async () => {
    const tree = await newTree(store.db);
    const officerUser = 7_100_001;
    await newOfficer(store.db, tree.unit, '李冬梅', { telegram: String(officerUser) });
    const people = await Promise.all(
      Array.from({ length: VILLAGERS }, async (_, i) => {
        const p = new TelegramPerson(emulator, { userId: 7_200_001 + i, firstName: `村民${i}`, languageCode: 'zh-hans' });
        await newVillager(store.db, tree.unit, `村民${i}`, { telegram: String(p.userId) });
        return p;
      }),
    );
    // Not one of the villagers filing reports: someone who writes while Postgres is down.
    const passerBy = new TelegramPerson(emulator, { userId: 7_300_001, firstName: '路人', languageCode: 'zh-hans' });
    await startService();

    // Each villager files report after report, waiting for each answer as a person would.
    const acknowledged: string[] = [];
    let streaming = true;
    const since = (p: TelegramPerson, from: number) => emulator.botMessages(p.chatId).slice(from);
    const seen = (p: TelegramPerson) => emulator.botMessages(p.chatId).length;
    async function answer(p: TelegramPerson, from: number, test: (m: BotMessage) => boolean, what: string): Promise<BotMessage> {
      return waitFor(() => [...since(p, from)].reverse().find(test) ?? null, `${what} for ${p.userId}`, STEP_MS, 100);
    }
    const withButton = (label: string) => (m: BotMessage) => m.buttons.flat().some((b) => b.label === label);
    async function press(p: TelegramPerson, m: BotMessage, label: string): Promise<void> {
      await p.pressData(m.buttons.flat().find((b) => b.label === label)!.data, m);
    }
    async function fileReports(p: TelegramPerson, who: number): Promise<void> {
      for (let n = 1; streaming; n++) {
        const words = `第${who}-${n}件：村口路灯不亮了，晚上走路看不见`;
        let from = seen(p);
        await p.say('反映问题');
        await press(p, await answer(p, from, withButton('📢 投诉意见'), 'the categories'), '📢 投诉意见');
        await answer(p, from, (m) => m.text.includes('请说一说是什么事'), 'the question');
        from = seen(p);
        await p.say(words);
        await press(p, await answer(p, from, withButton('✅ 说完了'), 'the done button'), '✅ 说完了');
        await answer(p, from, (m) => m.text.includes('事情发生在哪里'), 'the place question');
        from = seen(p);
        await p.say('跳过');
        const confirm = await answer(p, from, withButton('📨 提交'), 'the confirmation');
        await press(p, confirm, '📨 提交');
        // The press came back 200: the report is Telegram's to forget and ours to keep.
        acknowledged.push(words);
        // The one receipt (四个一): the reference, and the officer's name now or in a message that follows.
        await answer(p, from, (m) => m.text.includes('受理编号'), 'the receipt');
      }
    }
    const stream = Promise.all(people.map((p, i) => fileReports(p, i)));
    const filed = async (more: number) => {
      const target = acknowledged.length + more;
      await waitFor(() => acknowledged.length >= target, `${more} more reports`, STEP_MS, 200);
    };

    await filed(3);
    // 1. kill -9, started again at once.
    await kill();
    await startService();
    await filed(3);
    // 2. Redis restarts empty under the running service.
    await redis.down();
    await redis.up();
    await filed(3);
    // 3. Postgres restarts under load.
    const refusedBefore = refused;
    await pg.down();
    // Down until the service has felt it: a delivery it could not commit was refused (not acknowledged).
    // Someone writes while it is down: the villagers above may all be waiting for an answer that
    // needs the database, and then nothing would reach the service until it is back.
    const knock = passerBy.say('你好');
    await waitFor(() => refused > refusedBefore, 'a webhook delivery refused while Postgres is down', STEP_MS, 100);
    await pg.up();
    // Delivered again until taken: once the database is back, it is taken.
    await knock;
    await filed(3);
    // 4. kill -9, and Redis wiped while the killed process's jobs are still locked there.
    await kill();
    const wipe = new Redis(redis.url);
    await wipe.flushall();
    wipe.disconnect();
    await startService();
    const lastFault = Date.now();
    await filed(2);
    streaming = false;
    await stream;

    // Everything settles within 60 s of the last fault.
    await waitFor(
      async () => {
        const [d] = await store.db.select({ n: sql<number>`count(*)::int` }).from(deliveries).where(sql`${deliveries.status} not in ('sent', 'held', 'superseded')`);
        const [i] = await store.db.select({ n: sql<number>`count(*)::int` }).from(inbox).where(eq(inbox.status, 'pending'));
        const [m] = await store.db.select({ n: sql<number>`count(*)::int` }).from(matters).where(eq(matters.step, 'accept'));
        return d!.n === 0 && i!.n === 0 && m!.n === 0;
      },
      'every notice sent and every report handled',
      Math.max(1000, lastFault + 60_000 - Date.now()),
      250,
    );

    // Every acknowledged report is one matter, routed once.
    const all = await store.db.select().from(matters);
    for (const words of acknowledged) expect(all.filter((m) => m.summary.includes(words.slice(0, 8))), words).toHaveLength(1);
    expect(all).toHaveLength(acknowledged.length);
    const routes = await store.db.select({ matterId: matterEvents.matterId, n: sql<number>`count(*)::int` }).from(matterEvents).where(eq(matterEvents.action, 'route')).groupBy(matterEvents.matterId);
    expect(routes).toHaveLength(all.length);
    expect(routes.every((r) => r.n === 1)).toBe(true);
    expect(await store.db.select().from(inbox).where(eq(inbox.status, 'failed'))).toEqual([]);

    // Each matter's card reached the officer, and its receipt and notice the villager; a message
    // sent twice (the same text to the same chat) only from sends in flight at the kills.
    const officerSaw = emulator.botMessages(officerUser).map((m) => m.text);
    for (const m of all) expect(officerSaw.some((t) => t.includes(m.ref)), m.ref).toBe(true);
    let doubles = 0;
    const twice: string[] = [];
    for (const chat of [officerUser, ...people.map((p) => p.chatId)]) {
      const texts = emulator.botMessages(chat).map((m) => m.text);
      const counts = new Map<string, number>();
      for (const t of texts) if (all.some((m) => t.includes(m.ref))) counts.set(t, (counts.get(t) ?? 0) + 1);
      for (const [t, n] of counts) if (n > 1) (doubles += n - 1), twice.push(`${chat} ×${n}: ${t.slice(0, 30)}`);
    }
    for (const p of people) {
      const texts = emulator.botMessages(p.chatId).map((m) => m.text);
      for (const m of all.filter((x) => texts.some((t) => t.includes(x.ref)))) {
        expect(texts.some((t) => t.includes(m.ref) && t.includes('受理编号')), `the receipt of ${m.ref}`).toBe(true);
        expect(texts.some((t) => t.includes(m.ref) && t.includes('李冬梅')), `the officer named to the villager for ${m.ref}`).toBe(true);
      }
    }
    expect(doubles, twice.join('\n')).toBeLessThanOrEqual(2 * CONCURRENCY);

    // No crash: the service only ever ended by our hand, and it logged no uncaught exception.
    expect(crashes).toEqual([]);
    expect(output.join('').match(/uncaught exception[^"]*/g) ?? []).toEqual([]);
    console.info(`faults test: ${acknowledged.length} reports acknowledged, ${doubles} doubled notices`);
  }, 420_000);
});
