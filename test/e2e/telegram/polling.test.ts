// Long polling (no TELEGRAM_WEBHOOK_URL): the same conversation, fetched with getUpdates. Kept
// short: the emulator answers getUpdates at once instead of holding it, so a poller spins.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newTree } from '../../support/factories.js';
import { openTestStore, type TestStore } from '../../support/store.js';
import { startBot, type BotUnderTest } from '../../support/telegram/bot.js';
import { TelegramEmulator } from '../../support/telegram/emulator.js';
import { TelegramPerson } from '../../support/telegram/person.js';
import { waitFor } from '../../support/wait.js';

let store: TestStore;
let emulator: TelegramEmulator;
let bot: BotUnderTest;

beforeAll(async () => {
  store = await openTestStore('postgres');
  emulator = await TelegramEmulator.start();
  bot = await startBot(store, emulator, { telegram: { webhookUrl: undefined } });
});

afterAll(async () => {
  await bot?.stop();
  await emulator?.close();
  await store?.close();
});

describe('long polling', () => {
  it('takes updates with getUpdates and answers them', async () => {
    const tree = await newTree(store.db);
    expect(emulator.callsOf('deleteWebhook')).toHaveLength(1);
    expect(emulator.callsOf('setWebhook')).toHaveLength(0);
    const v = new TelegramPerson(emulator, { userId: 810_001, firstName: '王秀英', languageCode: 'zh' }).mark();
    await v.command(`/start ${tree.unit.joinCode}`);
    await v.waitForText('欢迎来到网格服务');
    await v.press('简体中文');
    await v.waitForText('您要登记到');
    expect(emulator.callsOf('getUpdates').length).toBeGreaterThan(0);
    // The command menu was registered, in Chinese by default and in English.
    expect(emulator.commands.map((c) => c.language_code ?? 'default')).toEqual(['default', 'en']);
  });

  it('polls from one process only: a second one on the token does not poll, and takes over when the first stops', async () => {
    const second = await startBot(store, emulator, { telegram: { webhookUrl: undefined } });
    try {
      expect(bot.runtime.adapter('telegram')!.channel.polling).toBe(true);
      expect(second.runtime.adapter('telegram')!.channel.polling).toBe(false);
      // It never dropped the first one's webhook setting nor started a poller.
      expect(emulator.callsOf('deleteWebhook')).toHaveLength(1);
      await bot.stop();
      await waitFor(() => second.runtime.adapter('telegram')!.channel.polling, 'the second process polling', 20_000);
      const v = new TelegramPerson(emulator, { userId: 810_002, firstName: '李明', languageCode: 'zh' }).mark();
      await v.command('/start');
      expect(await v.next(1)).toHaveLength(1);
    } finally {
      await second.stop();
    }
  }, 40_000);
});
