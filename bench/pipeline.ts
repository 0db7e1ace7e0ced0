// npm run bench [-- --reports N] — the path users take: N villagers report at once through the
// Telegram adapter (signed webhook updates into the real service: HTTP server, inbox, flows,
// intake, routing, the outbox and the send workers), each going 反映问题 → category → words →
// 说完了 → 跳过 → 提交 as a person does; the bot answers through a Bot API stand-in that records
// when each message left. Measured: reports/s, and from the 提交 press to the villager's receipt
// and to the officer's notice. Printed beside the raw bounds measured in the same run (BullMQ
// no-op jobs/s, Postgres single-row inserts/s). Telegram's send limits are lifted: the bench
// measures gridline, not the platform's 30 messages a second. No time limit is asserted.
import { parseArgs } from 'node:util';
import { createLogger } from '../src/logger.js';
import { BotApiStandIn } from './bot-api-stand-in.js';
import { fmt, officerNotices, pct, printTable, rawBullmq, rawInserts, seed, startService, villagerReports, withDatabase } from './support.js';

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

interface Run {
  reports: number;
  seconds: number;
  receipt: number[];
  notice: number[];
}

async function throughTelegram(url: string, reports: number): Promise<Run> {
  const api = new BotApiStandIn();
  await api.start();
  let users: number[] = [];
  const service = await startService({
    url,
    redis: values.redis!,
    api,
    logger,
    concurrency: CONCURRENCY,
    // The platform's limits lifted: what is measured is gridline.
    limits: { globalPerSecond: 100_000, chatPerSecond: 1000, chatBurst: 100 },
    flood: { burst: 1000, perMinute: 100_000 },
    seedFirst: async (db) => void (users = (await seed(db, reports)).villagers),
  }).catch(async (err) => {
    await api.close();
    throw err;
  });
  try {
    const receipts = new Map<string, number>();
    const t0 = performance.now();
    const filed = await Promise.all(users.map((u, i) => villagerReports(api, service.post, u, i, receipts)));
    // Done when every officer has been told of each matter.
    const notice = await officerNotices(api, new Map(filed.map((f) => [f.ref, f.submitAt])));
    const seconds = (Math.max(...api.sent.map((m) => m.at)) - t0) / 1000;
    return { reports: filed.length, seconds, receipt: [...receipts.values()], notice: [...notice.values()] };
  } finally {
    await service.close();
    await api.close();
  }
}

async function main(): Promise<void> {
  console.log(`gridline bench — ${REPORTS} villagers reporting at once through the Telegram webhook, worker concurrency ${CONCURRENCY}, Postgres + Redis on this machine\n`);
  const raw = await withDatabase(values['pg-admin']!, async (url) => ({ bullmq: await rawBullmq(values.redis!), inserts: await rawInserts(url) }));
  const cpu0 = process.cpuUsage();
  const run = await withDatabase(values['pg-admin']!, (url) => throughTelegram(url, REPORTS));
  // BENCH_CPU=1: this process's CPU time for the run (the service and the stand-ins), per report.
  if (process.env.BENCH_CPU) {
    const c = process.cpuUsage(cpu0);
    console.log(`cpu: ${fmt((c.user + c.system) / 1000 / run.reports, 1)} ms per report (user ${fmt(c.user / 1e6, 1)} s, system ${fmt(c.system / 1e6, 1)} s)`);
  }
  const rate = run.reports / run.seconds;
  printTable(['the path users take', 'measured', 'raw bound (same run)'], [
    ['reports (反映问题 … 提交 → officer told)', `${fmt(rate, 1)} reports/s (${fmt(run.reports)} in ${fmt(run.seconds, 1)} s)`, `BullMQ no-op jobs, concurrency 50: ${fmt(raw.bullmq)} jobs/s`],
    ['提交 → villager\'s receipt sent', `p50 ${fmt(pct(run.receipt, 50))} ms  p95 ${fmt(pct(run.receipt, 95))} ms`, `Postgres single-row inserts, 50 in flight: ${fmt(raw.inserts)} rows/s`],
    ['提交 → officer\'s notice sent', `p50 ${fmt(pct(run.notice, 50))} ms  p95 ${fmt(pct(run.notice, 95))} ms`, ''],
  ]);
  console.log(`\nper report: ${fmt(rate / raw.inserts, 4)} of the raw insert rate, ${fmt(rate / raw.bullmq, 4)} of the raw job rate (one report is ~6 updates, ~10 messages and dozens of rows and jobs)`);
}

await main();
process.exit(0);
