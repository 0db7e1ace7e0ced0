// npm run bench:broadcast [-- --broadcast-villagers N --broadcast-matters M] — a broadcast at the
// platform's limits. The village of the pipeline bench (27 unit grids, N villagers on Telegram,
// default 5,000) and a county cadre; the real service (HTTP server + webhook, Postgres, Redis
// queues and shared rate buckets) on a Bot API stand-in that holds the bot to Telegram's limits
// as Telegram does (a message beyond ~30 a second overall or ~1 a second in one chat is answered
// 429 with retry_after). The cadre composes the notice in chat (/broadcast → words → 分宜县 → 村民 →
// no button → now → confirm) and a second county cadre approves it in chat (it is above the size
// that needs one). While it goes out, M villagers (default 3, at ¼, ½ and ¾ of it) each report a
// matter as a person does, taking --broadcast-think-ms (default 3 s) to read and answer each
// question (at a script's speed, their own chat's 1 a second would hold the bot back).
// Measured: copies/s while sending and all messages/s against the 30 a second allowed, the 429s,
// the total time, every villager getting it exactly once, the author's report, and each matter's
// 提交 → receipt and → officer's notice. Printed beside the raw bounds of the same run (BullMQ
// no-op jobs/s, Postgres single-row inserts/s, the stand-in's allowance). The grids' zone is one
// where it is midday now, so quiet hours do not hold the copies back. BENCH_DEBUG=1 prints where
// each matter's time went (its jobs, and its villager's chat). No time limit is asserted.
import { randomInt } from 'node:crypto';
import { parseArgs } from 'node:util';
import { eq } from 'drizzle-orm';
import { createLogger } from '../src/logger.js';
import { gridNodes, identities, people, roles } from '../src/store/schema.js';
import type { Db } from '../src/store/db.js';
import type { StartWorkersOptions } from '../src/app/runtime.js';
import { BotApiStandIn, TELEGRAM_STAND_IN_LIMITS, type Sent } from './bot-api-stand-in.js';
import { CADRE_ID, fmt, officerNotices, pct, person, printTable, rawBullmq, rawInserts, seed, startService, VILLAGER_ID, villagerReports, withDatabase } from './support.js';

const { values } = parseArgs({
  options: {
    'broadcast-villagers': { type: 'string', default: process.env.BENCH_BROADCAST_VILLAGERS ?? '5000' },
    'broadcast-matters': { type: 'string', default: '3' },
    'broadcast-concurrency': { type: 'string', default: '20' },
    /** How long a villager filing a matter takes to read each question and answer. */
    'broadcast-think-ms': { type: 'string', default: '3000' },
    'pg-admin': { type: 'string', default: process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
    redis: { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
  },
});
const VILLAGERS = Number(values['broadcast-villagers']);
const MATTERS = Number(values['broadcast-matters']);
const CONCURRENCY = Number(values['broadcast-concurrency']);
const THINK_MS = Number(values['broadcast-think-ms']);
const ALLOWED = TELEGRAM_STAND_IN_LIMITS.globalPerSecond;
const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn' });
const NOTICE = '国庆节快乐！十月一日晚上七点村委会门口放电影，欢迎大家来看。';

/** A fixed-offset zone where it is about noon now (Etc/GMT-8 is UTC+8). */
function middayZone(): string {
  let offset = 12 - new Date().getUTCHours();
  if (offset > 14) offset -= 24;
  if (offset < -12) offset += 24;
  return offset === 0 ? 'Etc/UTC' : offset > 0 ? `Etc/GMT-${offset}` : `Etc/GMT+${-offset}`;
}

/** Messages to one chat as they come, and a wait for the next that matches. */
function chatOf(api: BotApiStandIn, chatId: number) {
  const seen: Sent[] = [];
  let waiting: Array<{ test: (m: Sent) => boolean; resolve: (m: Sent) => void }> = [];
  let from = 0;
  api.listeners.set(chatId, (m) => {
    seen.push(m);
    const w = waiting.find((x) => x.test(m));
    if (w) {
      waiting = waiting.filter((x) => x !== w);
      from = seen.length;
      w.resolve(m);
    }
  });
  return {
    next(test: (m: Sent) => boolean, what: string, timeoutMs = 120_000): Promise<Sent> {
      const i = seen.slice(from).findIndex(test);
      if (i >= 0) {
        from += i + 1;
        return Promise.resolve(seen[from - 1]!);
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`waited ${timeoutMs} ms for: ${what}`)), timeoutMs);
        waiting.push({ test, resolve: (m) => (clearTimeout(timer), resolve(m)) });
      });
    },
  };
}

const has = (text: string) => (m: Sent) => m.text.includes(text);

interface Run {
  copies: number;
  distinct: number;
  firstCopy: number;
  lastCopy: number;
  /** Every message accepted between the first copy and the last. */
  messagesWhileSending: number;
  approvedAt: number;
  reportAt: number;
  report: string;
  refused: number;
  refusedBy: Record<string, number>;
  receipt: number[];
  notice: number[];
}

async function throughTelegram(url: string): Promise<Run> {
  const api = new BotApiStandIn(true, randomInt(100_000, 999_999));
  await api.start();
  let villagers: number[] = [];
  const seedAll = async (db: Db) => {
    const village = await seed(db, VILLAGERS, middayZone());
    villagers = village.villagers;
    // Two county cadres: one writes the notice, the other approves it.
    const cadres = await db.insert(people).values([{ code: 'b-cadre-0', name: '周文华' }, { code: 'b-cadre-1', name: '刘建国' }]).returning();
    await db.insert(roles).values(cadres.map((c, i) => ({ personId: c.id, gridNodeId: village.countyId, role: 'cadre' as const, title: i ? '分宜县副县长' : '分宜县民政局局长' })));
    await db.insert(identities).values(cadres.map((c, i) => ({ personId: c.id, platform: 'telegram' as const, externalId: String(CADRE_ID + i), chatId: String(CADRE_ID + i) })));
    await db.update(gridNodes).set({ broadcastApprovalSize: Math.min(500, VILLAGERS - 1) }).where(eq(gridNodes.id, village.countyId));
  };
  // BENCH_DEBUG: every job but the broadcast's copies, timed, to see where a matter's time goes.
  const trace: Array<{ name: string; data: unknown; start: number; end: number; outcome: string }> = [];
  const wrap: StartWorkersOptions['wrap'] = (name, handler) =>
    (async (data: any, meta: any) => {
      const start = performance.now();
      const out = await (handler as any)(data, meta).catch((err: Error) => ({ outcome: `error:${err.name}` }));
      if (!(name === 'send' && data.lane === 'broadcast')) trace.push({ name, data, start, end: performance.now(), outcome: out.outcome });
      if (out.outcome?.startsWith?.('error:')) throw new Error(out.outcome);
      return out;
    }) as never;
  const service = await startService({ url, redis: values.redis!, api, logger, concurrency: CONCURRENCY, seedFirst: seedAll, ...(process.env.BENCH_DEBUG ? { wrap } : {}) }).catch(async (err) => {
    await api.close();
    throw err;
  });
  try {
    const author = person(service.post, CADRE_ID, '周文华');
    const approver = person(service.post, CADRE_ID + 1, '刘建国');
    const authorChat = chatOf(api, CADRE_ID);
    const approverChat = chatOf(api, CADRE_ID + 1);
    // Composed in chat, as a cadre does.
    await author.say('/broadcast');
    await authorChat.next(has('请把要发的通知写下来'), 'the words asked for');
    await author.say(NOTICE);
    await author.press(await authorChat.next(has('要不要配一张图片'), 'a photo or file offered'), '跳过');
    await author.press(await authorChat.next(has('发给哪里的人'), 'the place asked for'), '分宜县');
    await author.press(await authorChat.next(has('发给哪些人'), 'the people asked for'), '村民');
    await author.press(await authorChat.next(has('要不要加个按钮'), 'a button offered'), '不加按钮');
    await author.press(await authorChat.next(has('什么时候发'), 'the time asked for'), '⚡ 现在就发');
    const preview = await authorChat.next(has('请再看一遍'), 'the preview');
    if (!preview.text.includes(`共 ${VILLAGERS} 人`)) throw new Error(`the preview counts otherwise: ${preview.text}`);
    await author.press(preview, '✅ 确认发送');
    await authorChat.next(has('已请另一位干部审核'), 'approval asked');
    const ask = await approverChat.next(has('想给分宜县'), 'the approval request');
    const approvedAt = performance.now();
    await approver.press(ask, '✅ 同意发送');

    // Matters filed while it goes out: at ¼, ½, ¾ of it, by villagers far down the list.
    const receipts = new Map<string, number>();
    const filed: Array<Promise<{ submitAt: number; ref: string }>> = [];
    const isCopy = (m: Sent) => m.chatId >= VILLAGER_ID && m.text.includes(NOTICE);
    const copiesSoFar = () => api.sent.reduce((n, m) => n + (isCopy(m) ? 1 : 0), 0);
    for (let k = 1; k <= MATTERS; k++) {
      const mark = Math.floor((VILLAGERS * k) / (MATTERS + 1));
      while (copiesSoFar() < mark) await new Promise((r) => setTimeout(r, 50));
      const who = VILLAGERS - k;
      filed.push(villagerReports(api, service.post, villagers[who]!, who, receipts, THINK_MS));
    }
    const reports = await Promise.all(filed);
    if (process.env.BENCH_DEBUG) {
      for (const f of reports) {
        const v = api.sent.find((m) => m.chatId >= VILLAGER_ID && m.text.includes(f.ref))!.chatId;
        for (const t of trace.filter((x) => x.end >= f.submitAt - 100 && x.start <= f.submitAt + 4000)) console.log('  ', t.name, JSON.stringify(t.data).slice(0, 80), fmt(t.start - f.submitAt), '→', fmt(t.end - f.submitAt), t.outcome);
        console.log('villager', v, api.accepted.filter((m) => m.chatId === v).map((m) => `${m.method}@${fmt(m.at - f.submitAt)}`).join(' '));
      }
    }
    const notices = await officerNotices(api, new Map(reports.map((f) => [f.ref, f.submitAt])));
    // Done when the author has the report.
    const report = await authorChat.next(has('通知发完了'), "the author's report", 30 * 60_000);
    if (process.env.BENCH_DEBUG) for (const r of api.refused) console.log('refused', r.chatId, r.limit, fmt(r.at - approvedAt), r.retryAfter, api.accepted.filter((m) => m.chatId === r.chatId).map((m) => `${m.method}@${fmt(m.at - approvedAt)}`).join(' '));
    const copies = api.sent.filter(isCopy);
    const firstCopy = copies[0]!.at;
    const lastCopy = copies[copies.length - 1]!.at;
    const refusedBy: Record<string, number> = {};
    for (const r of api.refused) refusedBy[r.limit] = (refusedBy[r.limit] ?? 0) + 1;
    return {
      copies: copies.length,
      distinct: new Set(copies.map((m) => m.chatId)).size,
      firstCopy,
      lastCopy,
      messagesWhileSending: api.accepted.filter((m) => m.at >= firstCopy && m.at <= lastCopy).length,
      approvedAt,
      reportAt: report.at,
      report: report.text,
      refused: api.refused.length,
      refusedBy,
      receipt: [...receipts.values()],
      notice: [...notices.values()],
    };
  } finally {
    await service.close();
    await api.close();
  }
}

async function main(): Promise<void> {
  console.log(`gridline broadcast bench — a county cadre's notice to ${fmt(VILLAGERS)} villagers across 27 grids, composed and approved in chat, through a Bot API stand-in enforcing Telegram's limits (${ALLOWED}/s overall, 1/s per chat), ${MATTERS} matters filed while it goes out; worker concurrency ${CONCURRENCY}, Postgres + Redis on this machine\n`);
  const raw = await withDatabase(values['pg-admin']!, async (url) => ({ bullmq: await rawBullmq(values.redis!), inserts: await rawInserts(url) }));
  const run = await withDatabase(values['pg-admin']!, (url) => throughTelegram(url));
  const sending = (run.lastCopy - run.firstCopy) / 1000;
  const copyRate = (run.copies - 1) / sending;
  const messageRate = (run.messagesWhileSending - 1) / sending;
  printTable(['a broadcast at the limits', 'measured', 'raw bound (same run)'], [
    ['copies while sending', `${fmt(copyRate, 2)} copies/s (${fmt(run.copies)} in ${fmt(sending, 1)} s)`, `the stand-in's allowance: ${ALLOWED} messages/s`],
    ['all messages while sending', `${fmt(messageRate, 2)} messages/s = ${fmt((100 * messageRate) / ALLOWED, 1)}% of the allowance`, `BullMQ no-op jobs, concurrency 50: ${fmt(raw.bullmq)} jobs/s`],
    ['429s answered', `${run.refused}${run.refused ? ` (${Object.entries(run.refusedBy).map(([k, v]) => `${k} ${v}`).join(', ')})` : ''}`, `Postgres single-row inserts, 50 in flight: ${fmt(raw.inserts)} rows/s`],
    ['approved → last copy', `${fmt((run.lastCopy - run.approvedAt) / 1000, 1)} s`, `${fmt(VILLAGERS)} at ${ALLOWED}/s: ${fmt(VILLAGERS / ALLOWED, 1)} s`],
    ['approved → author\'s report', `${fmt((run.reportAt - run.approvedAt) / 1000, 1)} s`, ''],
    ['villagers who got it', `${fmt(run.distinct)} of ${fmt(VILLAGERS)}, ${fmt(run.copies - run.distinct)} twice`, ''],
    ['matter 提交 → villager\'s receipt', `${run.receipt.map((x) => fmt(x)).join(', ')} ms (p50 ${fmt(pct(run.receipt, 50))})`, ''],
    ['matter 提交 → officer\'s notice', `${run.notice.map((x) => fmt(x)).join(', ')} ms (p50 ${fmt(pct(run.notice, 50))})`, ''],
  ]);
  console.log(`\nthe author's report: ${run.report.replace(/\n/g, ' / ')}`);
  console.log(`copies/s ÷ allowance: ${fmt(copyRate / ALLOWED, 3)}; all messages/s ÷ allowance: ${fmt(messageRate / ALLOWED, 3)}`);
}

await main();
process.exit(0);
