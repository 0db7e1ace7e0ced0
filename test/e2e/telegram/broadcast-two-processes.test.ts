// One broadcast sent by two real service processes (`gridline serve`, two OS processes) on one bot
// token, one Postgres and one Redis, behind a round-robin balancer in webhook mode. A county cadre
// composes the notice in chat through the balancer (her updates dealt to both processes); the
// Telegram stand-in holds the bot to a low overall rate (the services are told the same rate) and
// ~1 a second in a chat, answering 429 and recording a breach beyond them. Each process reaches
// the stand-in through its own counting pass-through, so the test sees which process sent which copy.
// Together they break no limit, each villager gets the notice exactly once, both send part of it,
// the limit is what holds them back, and the cadre's report counts everyone.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { broadcasts, deliveries } from '../../../src/store/schema.js';
import { openStore, type Store } from '../../../src/store/db.js';
import { uniquePrefix } from '../../support/runtime.js';
import { readBody, ServiceProcesses } from '../../support/service-processes.js';
import { sendNoticeFromChat } from '../../support/telegram-flows.js';
import { createTestDatabase, TEST_REDIS_URL } from '../../support/store.js';
import { freePort, TelegramEmulator } from '../../support/telegram/emulator.js';
import { TelegramPerson } from '../../support/telegram/person.js';
import { waitFor } from '../../support/wait.js';

/** Messages a second over all chats, for the services and the stand-in alike: low, so the limit is what holds the sending back. */
const RATE = 8;
const VILLAGERS = 60;
const GRIDS = 4;
const SECRET = 'broadcast-two-processes-secret-01';
const NOTICE = '县里通知：明天上午九点起全县自来水管道检修，停水半天，请提前接好水。';
const CADRE_ID = 730_000;
const villagerId = (i: number) => 731_000 + i;

/**
 * A fixed-offset zone where it is about noon now: a broadcast waits out its readers' night
 * (22:00–07:00), and the service runs on the real clock.
 */
function middayZone(): string {
  let offset = 12 - new Date().getUTCHours();
  if (offset > 14) offset -= 24;
  if (offset < -12) offset += 24;
  // Etc/GMT's signs are the other way round: Etc/GMT-8 is UTC+8.
  return offset === 0 ? 'Etc/GMT' : offset > 0 ? `Etc/GMT-${offset}` : `Etc/GMT+${-offset}`;
}

/** A county with one village of GRIDS unit grids, a county cadre on Telegram, and VILLAGERS villagers across the grids. */
function roster(): string {
  const units = Array.from({ length: GRIDS }, (_, g) => `            - { code: g${g}, name: 第${g + 1}组, level: unit }`).join('\n');
  const villagers = Array.from({ length: VILLAGERS }, (_, i) => `  - { code: v${i}, name: 村民${i + 1}, telegram: "${villagerId(i)}", roles: [{ role: villager, grid: g${i % GRIDS} }] }`).join('\n');
  return `timezone: ${middayZone()}
grid:
  code: county
  name: 分宜县
  level: county
  children:
    - code: town
      name: 湖泽镇
      level: township
      children:
        - code: village
          name: 水川村
          level: village
          children:
${units}
people:
  - { code: cadre, name: 周文华, telegram: "${CADRE_ID}", roles: [{ role: cadre, grid: county, title: 分宜县干部 }] }
${villagers}
`;
}

let emulator: TelegramEmulator;
let db: { url: string; drop: () => Promise<void> };
let dir: string;
const procs = new ServiceProcesses();

/** A Bot API call one process made, as its pass-through saw it. */
interface ProcessCall {
  method: string;
  body: Record<string, any>;
  status: number;
}

/** One process's way to the stand-in: each Bot API call passed on as it is, and noted in `calls`. */
async function startPassThrough(calls: ProcessCall[]): Promise<string> {
  const port = await procs.listen(
    createServer(async (req, res) => {
      const raw = await readBody(req);
      const type = String(req.headers['content-type'] ?? '');
      try {
        const r = await fetch(`${emulator.apiRoot}${req.url}`, {
          method: req.method,
          headers: type ? { 'content-type': type } : {},
          body: req.method === 'GET' || req.method === 'HEAD' ? undefined : raw,
        });
        const answer = Buffer.from(await r.arrayBuffer());
        let body: Record<string, any> = {};
        if (type.includes('application/json') && raw.length) body = JSON.parse(raw.toString('utf8'));
        else if (type.includes('application/x-www-form-urlencoded')) body = Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
        calls.push({ method: /\/(\w+)$/.exec(new URL(req.url ?? '/', 'http://x').pathname)?.[1] ?? '', body, status: r.status });
        res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json' });
        res.end(answer);
      } catch {
        res.writeHead(502).end();
      }
    }),
  );
  return `http://127.0.0.1:${port}`;
}

const isVillager = (chatId: unknown) => {
  const n = Number(chatId);
  return n >= villagerId(0) && n < villagerId(VILLAGERS);
};
/** A copy of the notice to a villager that the platform took. */
const isCopy = (c: { method: string; body: Record<string, any>; status: number }) =>
  c.method === 'sendMessage' && c.status === 200 && isVillager(c.body.chat_id) && String(c.body.text ?? '').includes(NOTICE);

beforeAll(async () => {
  emulator = await TelegramEmulator.start();
  db = await createTestDatabase();
  dir = mkdtempSync(path.join(tmpdir(), 'gl-bc2-'));
  writeFileSync(path.join(dir, 'roster.yaml'), roster());
}, 60_000);

afterAll(async () => {
  await procs.close();
  await emulator?.close();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('a broadcast sent by two service processes on one token', () => {
  it(`a county cadre's notice to ${VILLAGERS} villagers, composed in chat through the balancer: no limit broken, each villager gets it once, both processes send part of it, the report counts everyone`, async () => {
    const ports = [await freePort(), await freePort()];
    const served: number[] = [0, 0];
    const lb = await procs.startBalancer(ports, served);
    const sentBy: ProcessCall[][] = [[], []];
    const roots = [await startPassThrough(sentBy[0]!), await startPassThrough(sentBy[1]!)];
    const prefix = uniquePrefix();
    const env = (i: number): NodeJS.ProcessEnv => ({
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      GRIDLINE_FROM_SOURCE: process.env.GRIDLINE_FROM_SOURCE,
      LOG_LEVEL: 'warn',
      DATABASE_URL: db.url,
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: prefix,
      GRIDLINE_ROSTER: path.join(dir, 'roster.yaml'),
      GRIDLINE_DATA_DIR: dir,
      TELEGRAM_BOT_TOKEN: emulator.token,
      TELEGRAM_API_ROOT: roots[i],
      TELEGRAM_WEBHOOK_URL: `http://127.0.0.1:${lb}/telegram/webhook`,
      TELEGRAM_WEBHOOK_SECRET: SECRET,
      TELEGRAM_MESSAGES_PER_SECOND: String(RATE),
    });
    emulator.enforceLimits({ globalPerSecond: RATE, globalBurst: 2 });
    const a = procs.start(ports[0]!, env(0));
    const b = procs.start(ports[1]!, env(1));
    await procs.listening(a, b);
    const callsBefore = emulator.calls.length;
    const breachesBefore = emulator.breaches.length;

    // She composes it in chat: the words, no photo, the whole county, its villagers, no button, now.
    const cadre = new TelegramPerson(emulator, { userId: CADRE_ID, firstName: '周文华', languageCode: 'zh-hans' });
    await sendNoticeFromChat(cadre, { words: NOTICE, place: '分宜县', count: VILLAGERS, firstPlace: true });
    const report = await cadre.waitForText('通知发完了', 180_000);
    expect(report.text).toContain(`共 ${VILLAGERS} 人，送到 ${VILLAGERS} 人，不愿接收 0 人，没送到 0 人`);

    // Her chat went through both processes.
    expect(served[0], `updates served by each: ${served}`).toBeGreaterThan(0);
    expect(served[1], `updates served by each: ${served}`).toBeGreaterThan(0);

    // No message over a limit, and each villager got the notice exactly once.
    const calls = emulator.calls.slice(callsBefore);
    expect(emulator.breaches.slice(breachesBefore), 'messages over Telegram’s limits').toEqual([]);
    expect(calls.filter((c) => c.status === 429)).toHaveLength(0);
    const copies = calls.filter(isCopy);
    const byChat = new Map<string, number>();
    for (const c of copies) byChat.set(String(c.body.chat_id), (byChat.get(String(c.body.chat_id)) ?? 0) + 1);
    for (let i = 0; i < VILLAGERS; i++) expect(byChat.get(String(villagerId(i))), `copies to villager ${i}`).toBe(1);
    expect(copies).toHaveLength(VILLAGERS);

    // Both processes sent part of it, and between them every copy once.
    const byProcess = sentBy.map((list) => list.filter(isCopy).length);
    console.log(`copies sent by each process: ${byProcess.join(' and ')}`);
    expect(byProcess[0], `copies sent by each: ${byProcess}`).toBeGreaterThan(0);
    expect(byProcess[1], `copies sent by each: ${byProcess}`).toBeGreaterThan(0);
    expect(byProcess[0]! + byProcess[1]!).toBe(VILLAGERS);

    // The overall limit is what held them back (else no breach would prove nothing): some second carried RATE messages.
    const at = copies.map((c) => c.at);
    let peak = 0;
    for (let lo = 0, hi = 0; hi < at.length; hi++) {
      while (at[hi]! - at[lo]! >= 1000) lo++;
      peak = Math.max(peak, hi - lo + 1);
    }
    const seconds = (at[at.length - 1]! - at[0]!) / 1000;
    console.log(`${VILLAGERS} copies in ${seconds.toFixed(1)} s (${(VILLAGERS / seconds).toFixed(1)}/s), peak ${peak} in a second (limit ${RATE})`);
    expect(peak).toBeGreaterThanOrEqual(RATE - 1);

    // The ledger agrees: one copy a villager, every one sent; the broadcast done with its counts.
    const store: Store = await openStore({ kind: 'postgres', url: db.url, poolSize: 2 }, { migrate: false });
    try {
      const [row] = await store.db.select().from(broadcasts);
      expect(row).toMatchObject({ status: 'done' });
      expect(row!.counts).toMatchObject({ total: VILLAGERS, sent: VILLAGERS, failed: 0, stopped: 0 });
      const ledger = await store.db.select().from(deliveries).where(eq(deliveries.broadcastId, row!.id));
      expect(ledger).toHaveLength(VILLAGERS);
      expect(ledger.filter((d) => d.status === 'sent')).toHaveLength(VILLAGERS);
      expect(new Set(ledger.map((d) => d.personId)).size).toBe(VILLAGERS);
    } finally {
      await store.close();
    }

    // Neither process crashed: both still up, and each stops cleanly.
    for (const s of [a, b]) {
      expect(s.proc.exitCode, s.output).toBeNull();
      s.proc.kill('SIGTERM');
      expect(await s.exit, s.output).toBe(0);
    }
  }, 300_000);
});
