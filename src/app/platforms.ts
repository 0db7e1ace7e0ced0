// The chat platforms this service speaks, one line each. A new platform is its adapter folder
// (src/channels/<name>/, exporting a PlatformFactory) and a line here; its settings go under its
// name in RuntimeOptions, and runtime.adapter(name) finds it.
import type { PlatformFactory } from '../ports/platform.js';
import { slackPlatform } from '../channels/slack/index.js';
import { telegramPlatform } from '../channels/telegram/index.js';
import { wecomPlatform } from '../channels/wecom/index.js';

export const PLATFORM_FACTORIES = [
  slackPlatform,
  telegramPlatform,
  wecomPlatform,
] as const;

type Registered = (typeof PLATFORM_FACTORIES)[number];
export type RegisteredPlatform = Registered['name'];
type FactoryOf<N extends RegisteredPlatform> = Extract<Registered, { name: N }>;

/** Each registered platform's settings, under its name (absent: not configured). */
export type PlatformSettings = { [N in RegisteredPlatform]?: Parameters<FactoryOf<N>['create']>[0] };

/** What a registered platform's factory creates (its channel typed as the adapter's own). */
export type AdapterOf<N extends RegisteredPlatform> = ReturnType<FactoryOf<N>['create']>;

/** The list as the runtime iterates it. */
export const platformFactories: ReadonlyArray<PlatformFactory<never> & { name: RegisteredPlatform }> = PLATFORM_FACTORIES;
