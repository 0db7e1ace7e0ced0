// npm run bench [-- --reports N --limits-reports N --arrival-reports N --think-ms MS] — the path users
// take: villagers report through the Telegram adapter (signed webhook updates into the real
// service: HTTP server, inbox, flows, intake, routing, the outbox and the send workers), each going
// 反映问题 → category → words → 说完了 → 跳过 → 提交 as a person does; the bot answers through a
// Bot API stand-in (bench/bot-api-stand-in.ts) that records when each message left. The stand-in
// and the villagers are Telegram's side, in a process of their own (bench/telegram-side.ts), as
// Telegram is not in the service's: the service's process is the service alone. Three runs,
// printed beside the raw bounds measured in the same run (BullMQ no-op jobs/s, Postgres
// single-row inserts/s):
// 1. N villagers at once, Telegram's send limits lifted: gridline itself (reports/s, 提交 → receipt,
//    提交 → officer's notice, message → next question).
// 2. N villagers at once, the stand-in enforcing Telegram's limits (30/s overall, 1/s per chat,
//    429 with retry_after) and the bot keeping to them: messages/s while a backlog waits against
//    the 30/s allowance, 429s, and the wait of each kind of message (issue 19 §2, §6).
// 3. Villagers arriving one after another at 90% of what the allowance carries (30/s × 0.9 ÷ the
//    messages a report takes, as run 2 counted them): the same waits.
// With limits, a villager answers each question --think-ms after it came (default 2 s: a person
// reads and taps). No time limit is asserted.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRuntime, SEND_CONCURRENCY_MIN, storePoolSize } from '../src/app/runtime.js';
import { createAppServer } from '../src/app/http.js';
import { createLogger } from '../src/logger.js';
import { matters } from '../src/store/schema.js';
import { fork } from 'node:child_process';
import type { FromSide, ToSide } from './telegram-side.js';
import { cpuSample, cpuSince, dropKeys, fmt, pct, rawBullmq, rawInserts, seed, withDatabase, type CpuSample } from './support.js';

const { values } = parseArgs({
  options: {
    reports: { type: 'string', default: process.env.BENCH_REPORTS ?? '300' },
    concurrency: { type: 'string', default: '20' },
    /** Villagers at once with Telegram's limits enforced (default: --reports; 0 skips the run). */
    'limits-reports': { type: 'string' },
    /** Villagers arriving at 90% of what the allowance carries (0 skips the run). */
    'arrival-reports': { type: 'string', default: '300' },
    /** With limits enforced: how long a villager takes to answer each question (a person reads and taps). */
    'think-ms': { type: 'string', default: '2000' },
    'pg-admin': { type: 'string', default: process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
    redis: { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
  },
});
const REPORTS = Number(values.reports);
const CONCURRENCY = Number(values.concurrency);
const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn' });

interface Run {
  reports: number;
  seconds: number;
  receipt: number[];
  /** 提交 → the matter stored (the submit's turn ran), and the matter stored → the receipt sent. */
  stored: number[];
  storedToReceipt: number[];
  notice: number[];
  /** From a villager's message or press to the bot's next question (the step it waits for). */
  question: number[];
  /** 429s the stand-in answered. */
  refused: number;
  /** Messages (sends and edits) taken by the stand-in, and how many a second while a backlog waited to go out. */
  messages: number;
  backlog: { seconds: number; messages: number };
  /** CPU used from the first villager's message to the last officer told; `telegram`: Telegram's side (the stand-in and the villagers). */
  cpu: CpuSample & { telegram: number };
}

/** Rows the raw insert bound writes (its CPU is counted too). */
const RAW_INSERTS = 10_000;

interface RunOptions {
  villagers: number;
  /** The stand-in enforces Telegram's limits (30/s overall, 1/s per chat), and the bot keeps to them. */
  limits: boolean;
  /** Villagers start one after another at this many a second; all at once when absent. */
  arrivalPerSecond?: number;
  /** How long a villager takes to read the bot's question and answer it. */
  thinkMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Messages due to go out and not yet sent (a receipt that waits for routing is not due); sampled at epoch milliseconds. */
async function backlogSampler(url: string): Promise<{ stop: () => Promise<Array<{ at: number; waiting: number }>> }> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  const samples: Array<{ at: number; waiting: number }> = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const at = Date.now();
      const [row] = await sql`select count(*)::int as n from gridline.deliveries where status in ('pending', 'sending') and (due_at is null or due_at <= now())`.catch(() => [{ n: -1 }]);
      samples.push({ at, waiting: (row as { n: number }).n });
      await sleep(250);
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      await sql.end();
      return samples;
    },
  };
}

/** Messages a second over the stretches when messages were waiting to go out (both samples of a stretch saw some). */
function busyRate(samples: Array<{ at: number; waiting: number }>, taken: number[]): { seconds: number; messages: number } {
  const times = [...taken].sort((a, b) => a - b);
  let ms = 0;
  let messages = 0;
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1]!;
    const b = samples[i]!;
    if (a.waiting <= 0 || b.waiting <= 0) continue;
    ms += b.at - a.at;
    messages += times.filter((t) => t >= a.at && t < b.at).length;
  }
  return { seconds: ms / 1000, messages };
}

/** Telegram's side (telegram-side.ts) in a process of its own, and the way to talk to it. */
function telegramSide(): { ask: (m: ToSide) => Promise<FromSide>; close: () => Promise<void> } {
  const child = fork(new URL('./telegram-side.ts', import.meta.url), { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  const waiting: Array<{ resolve: (m: FromSide) => void; reject: (e: Error) => void }> = [];
  child.on('message', (m: FromSide) => {
    const w = waiting.shift();
    if (m.kind === 'failed') w?.reject(new Error(`Telegram's side failed: ${m.error}`));
    else w?.resolve(m);
  });
  child.on('exit', (code) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`Telegram's side ended (${code})`));
  });
  return {
    ask: (m) =>
      new Promise((resolve, reject) => {
        waiting.push({ resolve, reject });
        child.send(m);
      }),
    close: async () => {
      if (child.exitCode !== null || !child.connected) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.send({ kind: 'close' } satisfies ToSide);
      await exited;
    },
  };
}

async function throughTelegram(url: string, o: RunOptions): Promise<Run> {
  const side = telegramSide();
  const secret = `bench-${randomBytes(12).toString('hex')}`;
  const http0 = createServer();
  await new Promise<void>((r) => http0.listen(0, '127.0.0.1', r));
  const port = (http0.address() as AddressInfo).port;
  await new Promise<void>((r) => http0.close(() => r()));
  const webhookUrl = `http://127.0.0.1:${port}/telegram/webhook`;
  const prefix = `glbench${randomBytes(3).toString('hex')}`;
  let runtime: Awaited<ReturnType<typeof createRuntime>> | null = null;
  let http: ReturnType<typeof createAppServer> | null = null;
  let sampler: Awaited<ReturnType<typeof backlogSampler>> | null = null;
  try {
    const ready = await side.ask({ kind: 'start', limits: o.limits });
    if (ready.kind !== 'ready') throw new Error(`Telegram's side answered ${ready.kind}`);
    runtime = await createRuntime({
      // As the service sizes it for its worker concurrency (runtime.ts).
      store: { kind: 'postgres', url, poolSize: storePoolSize(CONCURRENCY) },
      queue: { kind: 'redis', url: values.redis!, prefix },
      logger,
      relayIntervalMs: 250,
      telegram: {
        token: ready.token,
        apiRoot: ready.url,
        webhookUrl,
        webhookSecret: secret,
        // Lifted: what is measured is gridline. Enforced: the bot keeps Telegram's own (its defaults).
        ...(o.limits ? {} : { limits: { globalPerSecond: 100_000, chatPerSecond: 1000, chatBurst: 100 } }),
        flood: { burst: 1000, perMinute: 100_000 },
      },
    });
    http = createAppServer({ runtime, logger, adminToken: randomBytes(16).toString('hex') });
    const users = (await seed(runtime.store.db, o.villagers)).villagers;
    runtime.startWorkers({ concurrency: CONCURRENCY, sendConcurrency: Math.max(CONCURRENCY, SEND_CONCURRENCY_MIN) });
    await http.listen({ host: '127.0.0.1', port });
    await runtime.startAdapters();
    sampler = await backlogSampler(url);
    const cpu0 = cpuSample();
    const done = await side.ask({ kind: 'run', webhookUrl, secret, users, thinkMs: o.thinkMs, ...(o.arrivalPerSecond ? { arrivalPerSecond: o.arrivalPerSecond } : {}) });
    if (done.kind !== 'done') throw new Error(`Telegram's side answered ${done.kind}`);
    const r = done.result;
    const cpu = cpuSince(cpu0);
    // When each matter was stored (its submit's turn ran), by the service's clock (the same machine's).
    const stored = new Map((await runtime.store.db.select({ ref: matters.ref, at: matters.createdAt }).from(matters)).map((m) => [m.ref, m.at.getTime()]));
    const split = r.filed.flatMap((f) => (stored.has(f.ref) ? [{ wait: stored.get(f.ref)! - f.pressedAt, after: f.receiptAt - stored.get(f.ref)! }] : []));
    const samples = await sampler.stop();
    sampler = null;
    return {
      reports: r.reports,
      seconds: (r.endedAt - r.startedAt) / 1000,
      receipt: r.receipt,
      stored: split.map((x) => x.wait),
      storedToReceipt: split.map((x) => x.after),
      notice: r.notice,
      question: r.question,
      refused: r.refused,
      messages: r.taken.length,
      backlog: busyRate(samples, r.taken),
      cpu: { ...cpu, telegram: r.cpuSeconds },
    };
  } finally {
    await sampler?.stop();
    await runtime?.adapter('telegram')?.stop?.();
    await http?.close();
    await runtime?.close();
    await side.close();
    await dropKeys(values.redis!, prefix);
  }
}

/** Chinese characters take two columns on a terminal. */
const width = (t: string) => [...t].reduce((n, c) => n + (/[\u2e80-\u9fff\uff00-\uffef]/.test(c) ? 2 : 1), 0);
const pad = (t: string, w: number) => t + ' '.repeat(Math.max(0, w - width(t)));
function table(title: string, rows: Array<[string, string, string]>): void {
  const w0 = Math.max(width(title), ...rows.map((r) => width(r[0]))) + 2;
  const w1 = Math.max(...rows.map((r) => width(r[1]))) + 2;
  console.log(`${pad(title, w0)}${pad('measured', w1)}raw bound (same run)`);
  for (const [a, b, c] of rows) console.log(`${pad(a, w0)}${pad(b, w1)}${c}`);
  console.log('');
}
/**
 * Where the machine's CPU went, per report, beside what one raw insert costs the machine: the
 * run's rate is the machine's CPU divided by what a report costs it, so this says what to cut.
 */
function cpuTable(run: Run, insertCpu: CpuSample): void {
  const per = (s: number) => `${fmt((1000 * s) / run.reports, 1)} ms`;
  const c = run.cpu;
  const perInsert = (1000 * insertCpu.machine) / RAW_INSERTS;
  const other = c.machine - c.self - c.telegram - c.postgres - c.redis;
  table(`CPU per report (${fmt(c.machine / run.seconds, 2)} of the machine's cores busy)`, [
    ['the service (one process)', per(c.self), `one raw insert: ${fmt(perInsert, 3)} ms of the machine`],
    ['Postgres', per(c.postgres), `(Postgres ${fmt((1000 * insertCpu.postgres) / RAW_INSERTS, 3)} ms, client ${fmt((1000 * insertCpu.self) / RAW_INSERTS, 3)} ms)`],
    ['Redis', per(c.redis), ''],
    ["Telegram's side (the stand-in and the villagers)", per(c.telegram), ''],
    ['the rest (kernel, other processes)', per(Math.max(0, other)), ''],
    ['the machine', per(c.machine), `= ${fmt(c.machine / run.reports / (insertCpu.machine / RAW_INSERTS), 0)} raw inserts' worth`],
    ['the machine less Telegram\'s side', per(c.machine - c.telegram), `= ${fmt((c.machine - c.telegram) / run.reports / (insertCpu.machine / RAW_INSERTS), 0)} raw inserts' worth`],
  ]);
}

const waits = (xs: number[]) => `p50 ${fmt(pct(xs, 50))} ms  p95 ${fmt(pct(xs, 95))} ms`;

async function main(): Promise<void> {
  const limitsReports = Number(values['limits-reports'] ?? REPORTS);
  const arrivalReports = Number(values['arrival-reports']);
  const thinkMs = Number(values['think-ms']);
  console.log(`gridline bench — villagers reporting through the Telegram webhook, worker concurrency ${CONCURRENCY} (send jobs ${Math.max(CONCURRENCY, SEND_CONCURRENCY_MIN)}), Postgres + Redis on this machine (shared: figures vary from run to run)\n`);
  const raw = await withDatabase(values['pg-admin']!, async (url) => {
    const bullmq = await rawBullmq(values.redis!);
    const c0 = cpuSample();
    const inserts = await rawInserts(url, RAW_INSERTS);
    return { bullmq, inserts, insertCpu: cpuSince(c0) };
  });
  const rawRows = (): Array<[string, string]> => [
    ['', `BullMQ no-op jobs, concurrency 50: ${fmt(raw.bullmq)} jobs/s`],
    ['', `Postgres single-row inserts, 50 in flight: ${fmt(raw.inserts)} rows/s`],
  ];

  // 1. Telegram's limits lifted: what gridline itself can do.
  const run = REPORTS > 0 ? await withDatabase(values['pg-admin']!, (url) => throughTelegram(url, { villagers: REPORTS, limits: false, thinkMs: 0 })) : null;
  let perReport = 10;
  if (run) {
    const rate = run.reports / run.seconds;
    perReport = run.messages / run.reports;
    table(`${fmt(run.reports)} villagers at once, Telegram's limits lifted`, [
      ['reports (反映问题 … 提交 → officer told)', `${fmt(rate, 1)} reports/s (${fmt(run.reports)} in ${fmt(run.seconds, 1)} s)`, rawRows()[0]![1]],
      ['提交 → villager\'s receipt sent', waits(run.receipt), rawRows()[1]![1]],
      ['  of which 提交 → matter stored (its turn waited for a chat worker)', waits(run.stored), ''],
      ['  and matter stored → receipt sent', waits(run.storedToReceipt), ''],
      ['提交 → officer\'s notice sent', waits(run.notice), ''],
      ['villager\'s message → next question', waits(run.question), ''],
      ['messages per report (sends and edits)', fmt(perReport, 1), ''],
    ]);
    console.log(`per report: ${fmt(rate / raw.inserts, 4)} of the raw insert rate, ${fmt(rate / raw.bullmq, 4)} of the raw job rate (one report is ~6 updates, ~${fmt(perReport)} messages and dozens of rows and jobs)\n`);
    cpuTable(run, raw.insertCpu);
  }

  // 2. The stand-in holds the bot to Telegram's limits (30/s overall, 1/s per chat), everyone at once.
  const allowance = 30;
  if (limitsReports > 0) {
    const r = await withDatabase(values['pg-admin']!, (url) => throughTelegram(url, { villagers: limitsReports, limits: true, thinkMs }));
    perReport = r.messages / r.reports;
    const busy = r.backlog.messages / Math.max(r.backlog.seconds, 1e-9);
    table(`${fmt(r.reports)} villagers at once, Telegram's limits enforced (30/s, 1/s a chat); a villager answers ${fmt(thinkMs)} ms after each question`, [
      ['messages/s while a backlog waited', `${fmt(busy, 1)}/s = ${fmt((100 * busy) / allowance, 1)}% of the ${allowance}/s allowance (${fmt(r.backlog.messages)} in ${fmt(r.backlog.seconds, 1)} s)`, rawRows()[0]![1]],
      ['429s from the stand-in', `${fmt(r.refused)} (of ${fmt(r.messages)} messages)`, rawRows()[1]![1]],
      ['villager\'s message → next question', waits(r.question), ''],
      ['提交 → villager\'s receipt sent', waits(r.receipt), ''],
      ['提交 → officer\'s notice sent', waits(r.notice), ''],
      ['all reports', `${fmt(r.reports)} in ${fmt(r.seconds, 1)} s; ${fmt(perReport, 1)} messages a report`, ''],
    ]);
  }

  // 3. Villagers arriving at 90% of what the allowance can carry.
  if (arrivalReports > 0) {
    const perSecond = (0.9 * allowance) / perReport;
    const r = await withDatabase(values['pg-admin']!, (url) => throughTelegram(url, { villagers: arrivalReports, limits: true, arrivalPerSecond: perSecond, thinkMs }));
    const busy = r.backlog.messages / Math.max(r.backlog.seconds, 1e-9);
    table(`${fmt(r.reports)} villagers arriving at ${fmt(perSecond, 2)}/s (90% of ${allowance}/s ÷ ${fmt(perReport, 1)} messages a report), limits enforced`, [
      ['villager\'s message → next question', waits(r.question), rawRows()[0]![1]],
      ['提交 → villager\'s receipt sent', waits(r.receipt), rawRows()[1]![1]],
      ['提交 → officer\'s notice sent', waits(r.notice), ''],
      ['429s from the stand-in', `${fmt(r.refused)} (of ${fmt(r.messages)} messages)`, ''],
      ['messages/s while a backlog waited', `${fmt(busy, 1)}/s (${fmt(r.backlog.messages)} in ${fmt(r.backlog.seconds, 1)} s of ${fmt(r.seconds, 1)} s)`, ''],
    ]);
  }
}

await main();
process.exit(0);
