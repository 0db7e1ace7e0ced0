// Several processes on one bot: two services started at once on an empty Postgres and one Redis,
// behind a round-robin balancer in webhook mode with a fixed secret (as the README says to run
// them). Villagers report through the Telegram stand-in, which answers 429 when the bot goes over
// ~30 messages a second overall or ~1 a second in a chat: together the processes stay within the
// limits, and every matter and every message exists once.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { count as countRows } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matters } from '../../../src/store/schema.js';
import { openStore, type Store } from '../../../src/store/db.js';
import { uniquePrefix } from '../../support/runtime.js';
import { ServiceProcesses } from '../../support/service-processes.js';
import { createTestDatabase, TEST_REDIS_URL } from '../../support/store.js';
import { freePort, TelegramEmulator, type BotMessage } from '../../support/telegram/emulator.js';
import { TelegramPerson } from '../../support/telegram/person.js';
import { waitFor } from '../../support/wait.js';

// A report is about ten messages, so at Telegram's 30 a second the sending alone bounds the run:
// 500 reports (the size, the default) take about 170 s, 5,068 messages at 30/s with no 429.
// GRIDLINE_TEST_REPORTS=200 gives a shorter run.
const REPORTS = Number(process.env.GRIDLINE_TEST_REPORTS ?? 500);
const RATE = Number(process.env.GRIDLINE_TEST_TG_RATE ?? 30);
const GRIDS = 25;
const SECRET = 'many-processes-secret-0123456789';

/** A village of GRIDS unit grids, each with a full-time officer on Telegram, and REPORTS villagers. */
function roster(): string {
  const units = Array.from({ length: GRIDS }, (_, g) => `            - { code: g${g}, name: 第${g + 1}组, level: unit }`).join('\n');
  const officers = Array.from({ length: GRIDS }, (_, g) => `  - { code: o${g}, name: 网格员${g + 1}, telegram: "${officerId(g)}", roles: [{ role: officer_full, grid: g${g} }] }`).join('\n');
  const villagers = Array.from({ length: REPORTS }, (_, i) => `  - { code: v${i}, name: 村民${i + 1}, telegram: "${villagerId(i)}", roles: [{ role: villager, grid: g${i % GRIDS} }] }`).join('\n');
  return `timezone: Asia/Shanghai
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
${officers}
${villagers}
`;
}
const officerId = (g: number) => 610_000 + g;
const villagerId = (i: number) => 620_000 + i;

let emulator: TelegramEmulator;
let db: { url: string; drop: () => Promise<void> };
let dir: string;
const procs = new ServiceProcesses();

/** What the bot said, by chat: rebuilt from the emulator a few times a second for every villager at once. */
class Transcript {
  private byChat = new Map<string, BotMessage[]>();
  private timer: NodeJS.Timeout;
  constructor(private readonly em: TelegramEmulator) {
    this.timer = setInterval(() => this.refresh(), 150);
  }
  refresh(): void {
    const map = new Map<string, BotMessage[]>();
    for (const m of this.em.server.storage.botMessages) {
      const chat = String((m.message as { chat_id?: unknown }).chat_id);
      const msg = m.message as Record<string, any>;
      const markup = typeof msg.reply_markup === 'string' ? JSON.parse(msg.reply_markup) : msg.reply_markup;
      const list = map.get(chat) ?? [];
      list.push({
        messageId: m.messageId,
        chatId: chat,
        text: String(msg.text ?? ''),
        buttons: (markup?.inline_keyboard ?? []).map((row: any[]) => row.map((b) => ({ label: b.text, data: b.callback_data }))),
        keyboard: null,
        removesKeyboard: false,
        method: String(msg.__method ?? 'sendMessage'),
        raw: msg,
      });
      map.set(chat, list);
    }
    this.byChat = map;
  }
  of(chat: number): BotMessage[] {
    return this.byChat.get(String(chat)) ?? [];
  }
  stop(): void {
    clearInterval(this.timer);
  }
}

/** One villager's report, from 反映问题 to the receipt (受理编号); returns the reference. */
async function report(t: Transcript, i: number, em: TelegramEmulator = emulator): Promise<string> {
  const p = new TelegramPerson(em, { userId: villagerId(i), firstName: `村民${i + 1}`, languageCode: 'zh-hans' });
  const waitMessage = (what: string, match: (m: BotMessage) => boolean) =>
    waitFor(() => t.of(p.chatId).find(match) ?? null, `${what} for villager ${i} (saw: ${t.of(p.chatId).map((m) => m.text.slice(0, 30)).join(' | ')})`, 110_000, 200);
  const button = (m: BotMessage, label: string) => m.buttons.flat().find((b) => b.label === label)!;
  const press = async (label: string) => {
    const m = await waitMessage(`a button ${label}`, (x) => x.buttons.flat().some((b) => b.label === label));
    await p.pressData(button(m, label).data, m);
  };
  await p.say('反映问题');
  await press('🙋 生活求助');
  await waitMessage('the question what happened', (m) => m.text.includes('请说一说是什么事'));
  await p.say(`第${i + 1}号：家门口的路灯坏了好几天了。`);
  await press('✅ 说完了');
  await waitMessage('the question where', (m) => m.text.includes('事情发生在哪里'));
  await p.say('跳过');
  await waitMessage('the summary', (m) => m.text.includes('请您核对一下'));
  await press('📨 提交');
  const filed = await waitMessage('the receipt', (m) => m.text.includes('受理编号'));
  const ref = /(\d{4}-\d{4})/.exec(filed.text)?.[1];
  if (!ref) throw new Error(`no reference in ${filed.text}`);
  return ref;
}

beforeAll(async () => {
  emulator = await TelegramEmulator.start();
  db = await createTestDatabase();
  dir = mkdtempSync(path.join(tmpdir(), 'gl-many-'));
  writeFileSync(path.join(dir, 'roster.yaml'), roster());
}, 60_000);

afterAll(async () => {
  await procs.close();
  await emulator?.close();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('two service processes on one bot token', () => {
  it(`both come up on an empty database, and ${REPORTS} reports make no 429, each matter once and each message once`, async () => {
    const ports = [await freePort(), await freePort()];
    const lb = await procs.startBalancer(ports);
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      GRIDLINE_FROM_SOURCE: process.env.GRIDLINE_FROM_SOURCE,
      LOG_LEVEL: 'warn',
      DATABASE_URL: db.url,
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: uniquePrefix(),
      GRIDLINE_ROSTER: path.join(dir, 'roster.yaml'),
      GRIDLINE_DATA_DIR: dir,
      TELEGRAM_BOT_TOKEN: emulator.token,
      TELEGRAM_API_ROOT: emulator.apiRoot,
      TELEGRAM_WEBHOOK_URL: `http://127.0.0.1:${lb}/telegram/webhook`,
      TELEGRAM_WEBHOOK_SECRET: SECRET,
      TELEGRAM_MESSAGES_PER_SECOND: String(RATE),
    };
    emulator.enforceLimits({ globalPerSecond: RATE, globalBurst: RATE });
    // At once, on a database with no tables yet.
    const booted = Date.now();
    const a = procs.start(ports[0]!, env);
    const b = procs.start(ports[1]!, env);
    await procs.listening(a, b);

    console.log(`both services up after ${((Date.now() - booted) / 1000).toFixed(1)} s`);
    const t = new Transcript(emulator);
    const started = Date.now();
    let refs: string[];
    try {
      refs = await Promise.all(Array.from({ length: REPORTS }, (_, i) => report(t, i)));
      // Every officer told of each of their matters.
      await waitFor(
        () => {
          t.refresh();
          return refs.every((ref) => Array.from({ length: GRIDS }, (_, g) => t.of(officerId(g))).some((list) => list.some((m) => m.text.includes(ref))));
        },
        'every officer notified',
        60_000,
        250,
      );
    } finally {
      t.stop();
    }
    const seconds = (Date.now() - started) / 1000;

    expect(emulator.breaches, `messages over Telegram's limits: ${JSON.stringify(emulator.breaches.slice(0, 5))}`).toEqual([]);
    expect(emulator.calls.filter((c) => c.status === 429)).toHaveLength(0);
    expect(new Set(refs).size).toBe(REPORTS);

    const store: Store = await openStore({ kind: 'postgres', url: db.url, poolSize: 2 }, { migrate: false });
    try {
      const [{ n }] = (await store.db.select({ n: countRows() }).from(matters)) as [{ n: number }];
      expect(n).toBe(REPORTS);
    } finally {
      await store.close();
    }
    // Each message once: every villager got each step's message once, every officer each matter once.
    t.refresh();
    for (let i = 0; i < REPORTS; i++) {
      const said = t.of(villagerId(i)).map((m) => m.text);
      for (const step of ['请说一说是什么事', '事情发生在哪里', '请您核对一下', '受理编号']) expect(said.filter((s) => s.includes(step)), `villager ${i}: ${said.join(' | ')}`).toHaveLength(1);
    }
    for (const ref of refs) {
      const told = Array.from({ length: GRIDS }, (_, g) => t.of(officerId(g))).flat().filter((m) => m.text.includes(ref));
      expect(told, `officer notices of ${ref}`).toHaveLength(1);
    }
    // The overall limit was what held the bot back (else no 429 would prove nothing): some second carried nearly RATE messages.
    const sent = emulator.calls.filter((c) => c.status === 200 && /^(send|edit)/.test(c.method) && c.method !== 'sendChatAction').map((c) => c.at);
    let peak = 0;
    for (let lo = 0, hi = 0; hi < sent.length; hi++) {
      while (sent[hi]! - sent[lo]! >= 1000) lo++;
      peak = Math.max(peak, hi - lo + 1);
    }
    console.log(`${REPORTS} reports through two processes in ${seconds.toFixed(1)} s: ${sent.length} messages, ${(sent.length / seconds).toFixed(1)}/s, peak ${peak} in a second (limit ${RATE})`);
    expect(peak).toBeGreaterThanOrEqual(Math.floor(RATE * 0.8));
  }, 420_000);

  it('with the queues on Postgres (no Redis), both come up on an empty database at once and both serve reports', async () => {
    await procs.stop();
    // Its own stand-in and database: BullMQ's tables and ours created by two processes at once.
    const em = await TelegramEmulator.start();
    const fresh = await createTestDatabase();
    try {
      const ports = [await freePort(), await freePort()];
      const served: number[] = [];
      const lb = await procs.startBalancer(ports, served);
      const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        GRIDLINE_FROM_SOURCE: process.env.GRIDLINE_FROM_SOURCE,
        LOG_LEVEL: 'warn',
        DATABASE_URL: fresh.url,
        GRIDLINE_ROSTER: path.join(dir, 'roster.yaml'),
        GRIDLINE_DATA_DIR: dir,
        TELEGRAM_BOT_TOKEN: em.token,
        TELEGRAM_API_ROOT: em.apiRoot,
        TELEGRAM_WEBHOOK_URL: `http://127.0.0.1:${lb}/telegram/webhook`,
        TELEGRAM_WEBHOOK_SECRET: SECRET,
        // Each process holds up to 2 × concurrency store connections plus BullMQ's pool on the same
        // server: kept within a default Postgres's 100 for two processes (and the other tests).
        WORKER_CONCURRENCY: '4',
      };
      const a = procs.start(ports[0]!, env);
      const b = procs.start(ports[1]!, env);
      await procs.listening(a, b);
      const t = new Transcript(em);
      try {
        const refs = await Promise.all(Array.from({ length: 4 }, (_, i) => report(t, i, em)));
        expect(new Set(refs).size).toBe(4);
      } finally {
        t.stop();
      }
      // Each process took its share of the platform's updates.
      expect(served[0], `served: ${served}`).toBeGreaterThan(0);
      expect(served[1], `served: ${served}`).toBeGreaterThan(0);
      for (const s of [a, b]) {
        s.proc.kill('SIGTERM');
        expect(await s.exit).toBe(0);
      }
    } finally {
      await em.close();
      await fresh.drop();
    }
  }, 300_000);

  it('a start that fails (Telegram unreachable) closes what it opened and exits 1 with one line', async () => {
    await procs.stop();
    const closed = await freePort();
    const s = procs.start(await freePort(), {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      GRIDLINE_FROM_SOURCE: process.env.GRIDLINE_FROM_SOURCE,
      LOG_LEVEL: 'silent',
      GRIDLINE_LANG: 'en',
      DATABASE_URL: db.url,
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: uniquePrefix(),
      GRIDLINE_DATA_DIR: dir,
      TELEGRAM_BOT_TOKEN: emulator.token,
      TELEGRAM_API_ROOT: `http://127.0.0.1:${closed}`,
      TELEGRAM_WEBHOOK_URL: `http://127.0.0.1:${closed}/telegram/webhook`,
      TELEGRAM_WEBHOOK_SECRET: SECRET,
    });
    // Not a hang: it exits on its own (the CLI's 3 s fallback is there only for what a start leaves open).
    expect(await s.exit).toBe(1);
    // One line of ours (Node's own deprecation warnings aside), saying what to check.
    const lines = s.output.trim().split('\n').filter((l) => !/^\(node:\d+\)|^\(Use `node/.test(l));
    expect(lines, s.output).toHaveLength(1);
    expect(lines[0]).toContain('TELEGRAM_API_ROOT');
  }, 180_000);
});
