// Telegram, as the composition root registers it (src/app/platforms.ts).
import type { PlatformAdapter, PlatformFactory } from '../../ports/platform.js';
import { botIdOf } from './shared-send-scheduler.js';
import { TelegramChannel, type TelegramChannelOptions } from './telegram-channel.js';

/** TELEGRAM_* settings (and a test's relaxed limits); the rest the composition root supplies. */
export type TelegramSettings = Omit<TelegramChannelOptions, 'logger' | 'admission'>;

export const telegramPlatform = {
  name: 'telegram',
  create(settings: TelegramSettings, deps): PlatformAdapter<TelegramChannel> {
    // Long polling by one process of the deployment at a time; a webhook takes any process.
    const pollLease = settings.webhookUrl ? undefined : deps.lease(`gridline:poll:telegram:${botIdOf(settings.token)}`);
    const channel = new TelegramChannel({ rateBuckets: deps.rateBuckets, floodBuckets: deps.floodBuckets, pollLease, files: deps.files, cards: deps.cards.edits, ...settings, logger: deps.logger, admission: deps.admission });
    return {
      channel,
      fetcher: channel.fetcher,
      // The webhook (webhook mode), refused with 401 without the secret token.
      mount: (server) => channel.registerRoutes(server),
      // After listening, so that Telegram's first webhook call finds the route.
      start: () => channel.start(),
      stop: () => channel.stop(),
      joinLink: (code) => (channel.username ? `https://t.me/${channel.username}?start=${encodeURIComponent(code)}` : null),
    };
  },
} as const satisfies PlatformFactory<TelegramSettings, PlatformAdapter<TelegramChannel>>;
