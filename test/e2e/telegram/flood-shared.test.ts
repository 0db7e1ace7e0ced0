// The flood guard across processes: one person's stream of messages, dealt in turn to two
// processes of one deployment (a load balancer in front of two webhooks), meets one limit. The
// budget lives in Redis when the queues do, and in the database otherwise.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inbox } from '../../../src/store/schema.js';
import { uniquePrefix, type QueueKind } from '../../support/runtime.js';
import { openTestStore, type TestStore } from '../../support/store.js';
import { SECRET_HEADER, TelegramEmulator } from '../../support/telegram/emulator.js';
import { startBot, WEBHOOK_SECRET, type BotUnderTest } from '../../support/telegram/bot.js';
import { waitFor } from '../../support/wait.js';

const SLOW_DOWN = '您发得有点快';
const BURST = 5;

describe.each(['redis', 'postgres'] as QueueKind[])('flood guard shared by two processes (queues on %s)', (queue) => {
  let emulator: TelegramEmulator;
  let store: TestStore;
  const bots: BotUnderTest[] = [];

  beforeAll(async () => {
    emulator = await TelegramEmulator.start();
    store = await openTestStore('postgres');
    const prefix = uniquePrefix();
    // Two processes of one deployment: one store, one queue prefix, one bot token.
    for (let i = 0; i < 2; i++) bots.push(await startBot(store, emulator, { queue, prefix, telegram: { flood: { burst: BURST, perMinute: 2 } } }));
  }, 60_000);

  afterAll(async () => {
    for (const b of bots) await b.stop();
    await emulator?.close();
    await store?.close();
  });

  it(`lets ${BURST} quick messages through, says "slow down" once, and drops the rest, whichever process each reaches`, async () => {
    const userId = 730_001;
    for (let i = 0; i < 3 * BURST; i++) {
      const bot = bots[i % 2]!;
      const update = {
        update_id: 900_000 + i,
        message: { message_id: 5000 + i, date: Math.floor(Date.now() / 1000), from: { id: userId, is_bot: false, first_name: '刷屏的人', language_code: 'zh-hans' }, chat: { id: userId, type: 'private' }, text: `第${i + 1}条` },
      };
      const r = await fetch(bot.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json', [SECRET_HEADER]: WEBHOOK_SECRET }, body: JSON.stringify(update) });
      expect(r.status).toBe(200);
    }
    // The person is told once to slow down.
    await waitFor(() => emulator.botMessages(userId).some((m) => m.text.includes(SLOW_DOWN)), 'the slow-down message');
    await Promise.all(bots.map((b) => b.idle()));
    expect(emulator.botMessages(userId).filter((m) => m.text.includes(SLOW_DOWN))).toHaveLength(1);
    // What the service took in: the burst, and the one "slow down"; the rest never reached it.
    const rows = await store.db.select().from(inbox);
    const kinds = rows.map((r) => (r.payload as { content?: { kind?: string } } | null)?.content?.kind);
    expect(kinds.filter((k) => k === 'throttled')).toHaveLength(1);
    expect(kinds.filter((k) => k !== 'throttled')).toHaveLength(BURST);
  }, 60_000);
});
