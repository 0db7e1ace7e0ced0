// What an operator scrapes after a villager's report went through Telegram: every family of
// /metrics, with the numbers that report left (the 429 Telegram answered once included).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newOfficer, newTree } from '../../support/factories.js';
import { openTestStore, type TestStore } from '../../support/store.js';
import { startBot, type BotUnderTest } from '../../support/telegram/bot.js';
import { fault429, TelegramEmulator } from '../../support/telegram/emulator.js';
import { TelegramPerson } from '../../support/telegram/person.js';
import { registerVillager } from '../../support/telegram-flows.js';
import { waitFor } from '../../support/wait.js';

let store: TestStore;
let emulator: TelegramEmulator;
let bot: BotUnderTest;

beforeAll(async () => {
  store = await openTestStore('postgres');
  emulator = await TelegramEmulator.start();
  bot = await startBot(store, emulator);
});

afterAll(async () => {
  await bot?.stop();
  await emulator?.close();
  await store?.close();
});

/** A sample's value from Prometheus text: `name{labels} value`, labels in any order. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | null {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const wanted = Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`));
    if (wanted) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return null;
}

describe('/metrics after a report through Telegram', () => {
  it('shows the process, HTTP by route, matters by state and level, sends and 429s by platform, job times, the outbox and the queues', async () => {
    const tree = await newTree(store.db);
    await newOfficer(store.db, tree.unit, '李冬梅', { telegram: '880002' });
    const v = new TelegramPerson(emulator, { userId: 880_001, firstName: '王秀英', languageCode: 'zh' }).mark();
    await registerVillager(v, tree.unit.joinCode!, '王秀英');
    // Telegram answers the next message 429 once: it is sent after the wait, and counted.
    emulator.failNext({ method: 'sendMessage', ...fault429(1) });
    await v.say('反映问题');
    await v.press('🙋 生活求助');
    await v.waitForText('请说一说是什么事');
    await v.say('自来水管爆了');
    await v.waitForText('收到了');
    await v.press('✅ 说完了');
    await v.waitForText('事情发生在哪里');
    await v.say('跳过');
    await v.waitForText('请您核对一下');
    await v.press('📨 提交');
    await v.waitForText('受理编号');
    await bot.idle();

    const res = await fetch(`http://127.0.0.1:${bot.port}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    // prom-client's defaults.
    expect(sample(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    // The webhook's time, by its route pattern (never the raw URL with a query or an id).
    expect(sample(text, 'gridline_http_request_duration_seconds_count', { route: '/telegram/webhook', method: 'POST', status_code: '200' })).toBeGreaterThan(5);
    expect(sample(text, 'gridline_matters', { state: 'open', level: 'unit' })).toBe(1);
    expect(sample(text, 'gridline_notifications_sent_total', { platform: 'telegram' })).toBeGreaterThan(5);
    expect(sample(text, 'gridline_send_429_total', { platform: 'telegram' })).toBe(1);
    expect(sample(text, 'gridline_job_duration_seconds_count', { queue: 'chat', status: 'completed' })).toBeGreaterThan(5);
    expect(sample(text, 'gridline_job_duration_seconds_count', { queue: 'route', status: 'completed' })).toBe(1);
    expect(sample(text, 'gridline_job_duration_seconds_count', { queue: 'send', status: 'delayed' })).toBe(1);
    expect(sample(text, 'gridline_outbox_backlog')).toBe(0);
    expect(sample(text, 'gridline_queue_jobs', { queue: 'send', state: 'completed' })).toBeGreaterThan(0);
    expect(sample(text, 'gridline_queue_jobs', { queue: 'chat', state: 'waiting' })).toBe(0);
    // A scrape is itself counted under its route, the next time.
    const again = await (await fetch(`http://127.0.0.1:${bot.port}/metrics`)).text();
    expect(sample(again, 'gridline_http_request_duration_seconds_count', { route: '/metrics' })).toBeGreaterThanOrEqual(1);
    // Liveness and readiness on the same server.
    expect((await fetch(`http://127.0.0.1:${bot.port}/livez`)).status).toBe(200);
    await waitFor(async () => (await fetch(`http://127.0.0.1:${bot.port}/readyz`)).status === 200, 'the bot to be ready');
  }, 90_000);
});
