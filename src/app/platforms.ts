// The chat platforms this service speaks, one line each. A new platform is its adapter folder
// (src/channels/<name>/, exporting a PlatformFactory) and a line here; its settings go under its
// name in RuntimeOptions, and runtime.adapter(name) finds it.
import type { PlatformFactory } from '../ports/platform.js';

/**
 * Each platform's factory, loaded only when the platform is configured: an SDK (Bolt, telegraf)
 * is 20–40 MB resident, which a village on one platform, or none yet, need not carry.
 */
const PLATFORM_MODULES = {
  slack: async () => (await import('../channels/slack/index.js')).slackPlatform,
  telegram: async () => (await import('../channels/telegram/index.js')).telegramPlatform,
  wecom: async () => (await import('../channels/wecom/index.js')).wecomPlatform,
} as const;

type Registered = Awaited<ReturnType<(typeof PLATFORM_MODULES)[keyof typeof PLATFORM_MODULES]>>;
export type RegisteredPlatform = Registered['name'];
type FactoryOf<N extends RegisteredPlatform> = Extract<Registered, { name: N }>;

/** Each registered platform's settings, under its name (absent: not configured). */
export type PlatformSettings = { [N in RegisteredPlatform]?: Parameters<FactoryOf<N>['create']>[0] };

/** What a registered platform's factory creates (its channel typed as the adapter's own). */
export type AdapterOf<N extends RegisteredPlatform> = ReturnType<FactoryOf<N>['create']>;

type AnyFactory = PlatformFactory<never> & { name: RegisteredPlatform };

/** The factories of the platforms that have settings here, in the order of the list above, with their settings. */
export async function configuredPlatforms(settings: PlatformSettings): Promise<Array<{ factory: AnyFactory; settings: unknown }>> {
  const names = (Object.keys(PLATFORM_MODULES) as RegisteredPlatform[]).filter((name) => settings[name]);
  return Promise.all(names.map(async (name) => ({ factory: (await PLATFORM_MODULES[name]()) as AnyFactory, settings: settings[name] })));
}
