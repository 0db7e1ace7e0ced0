// WeCom (the app for staff, 微信客服 for villagers), as the composition root registers it
// (src/app/platforms.ts).
import type { FloodLimits } from '../flood-guard.js';
import type { PlatformAdapter, PlatformFactory } from '../../ports/platform.js';
import type { WecomChannel } from './wecom-channel.js';
import { WecomFrontDoor, type WecomSettings } from './wecom-front-door.js';

/** WECOM_* settings (and a test's relaxed limits); the rest the composition root supplies. */
export type WecomPlatformSettings = WecomSettings & { maxWaitMs?: number; flood?: FloodLimits };

export const wecomPlatform = {
  name: 'wecom',
  create(settings: WecomPlatformSettings, deps): PlatformAdapter<WecomChannel> {
    const { maxWaitMs, flood, ...wecom } = settings;
    // Updates are committed through the Admission before WeCom hears 200; tokens and nonces are
    // shared in Redis when the queues are there.
    const door = new WecomFrontDoor(wecom, {
      logger: deps.logger,
      now: () => deps.ctx.now().getTime(),
      admission: deps.admission,
      ...(deps.redisUrl ? { redisUrl: deps.redisUrl } : {}),
      ...(deps.sharedNamespace ? { sharedNamespace: deps.sharedNamespace } : {}),
      ...(deps.rateBuckets ? { rateBuckets: deps.rateBuckets } : {}),
      files: deps.files,
      cards: deps.cards.edits,
      ...(maxWaitMs !== undefined ? { maxWaitMs } : {}),
      ...(deps.floodBuckets ? { floodBuckets: deps.floodBuckets } : {}),
      ...(flood ? { flood } : {}),
    });
    return {
      channel: door.channel,
      fetcher: door.channel.fetcher,
      // The callback URL (/wecom/callback): signed and encrypted, answered 200 once committed.
      mount: (server) => door.inbound.mount(server),
      stop: () => door.close(),
    };
  },
} as const satisfies PlatformFactory<WecomPlatformSettings, PlatformAdapter<WecomChannel>>;
