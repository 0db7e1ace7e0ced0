// Slack, as the composition root registers it (src/app/platforms.ts).
import type { PlatformAdapter, PlatformFactory } from '../../ports/platform.js';
import type { SlackChannel } from './slack-channel.js';
import { SlackFrontDoor, type SlackSettings } from './slack-front-door.js';

export interface SlackAdapter extends PlatformAdapter<SlackChannel> {
  door: SlackFrontDoor;
}

export const slackPlatform = {
  name: 'slack',
  create(settings: SlackSettings, deps): SlackAdapter {
    const door = new SlackFrontDoor(settings, { ctx: deps.ctx, admission: deps.admission, cards: deps.cards.store, timezone: deps.timezone, defaultLocale: deps.defaultLocale, rateBuckets: deps.rateBuckets, files: deps.files, forms: deps.forms });
    return {
      door,
      channel: door.channel,
      fetcher: door.fetcher,
      // Events, interactions and the slash command (HTTP mode), signature checked by Bolt.
      mount: (server) => door.mount(server),
      // auth.test (and, in Socket Mode, the connection) before anything listens.
      prepare: () => door.start(),
      stop: () => door.stop(),
    };
  },
} as const satisfies PlatformFactory<SlackSettings, SlackAdapter>;
