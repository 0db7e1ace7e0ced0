// The real bot (runtime, workers, HTTP server with the webhook, Telegram adapter) pointed at the
// emulator, in webhook mode: the emulator ignores long-poll timeouts, so polling would spin.
// Its clock is a TestClock at 10:00 on a Wednesday in Shanghai (quiet hours and 纠纷不过夜 then do
// not depend on when the suite runs); a test that needs the night moves `bot.clock`.
import { createRuntime, type Runtime, type RuntimeOptions, type StartWorkersOptions } from '../../../src/app/runtime.js';
import { createAppServer, type HttpServer } from '../../../src/app/http.js';
import { daytimeClock, type TestClock } from '../clock.js';
import { waitIdle, type WaitIdleOptions } from '../idle.js';
import { TEST_REDIS_URL, type TestStore } from '../store.js';
import type { Logger } from '../../../src/logger.js';
import { testLogger, uniquePrefix, type QueueKind } from '../runtime.js';
import { freePort, type TelegramEmulator } from './emulator.js';

export const WEBHOOK_SECRET = 'test-secret-0123456789abcdef';

export interface BotUnderTest {
  runtime: Runtime;
  http: HttpServer;
  webhookUrl: string;
  prefix: string;
  port: number;
  /** The runtime's clock (the one given, or a fresh daytime clock). */
  clock: TestClock;
  /** Resolves once the bot has nothing more in hand (see waitIdle). */
  idle(opts?: WaitIdleOptions): Promise<void>;
  stop(): Promise<void>;
}

export interface BotOptions {
  /** Reuse a queue prefix (and port) to start the "same" deployment again after a stop. */
  prefix?: string;
  port?: number;
  telegram?: Partial<NonNullable<RuntimeOptions['telegram']>>;
  /** The runtime's clock as a plain function (a test that sets the hour itself); wins over `clock`. */
  now?: () => Date;
  /** The flows to run (a test may break one on purpose). */
  chat?: RuntimeOptions['chat'];
  /** Queues on Redis (default) or on BullMQ's PostgreSQL backend over the test database. */
  queue?: QueueKind;
  /** Default: the silent test logger. */
  logger?: Logger;
  /** The clock the runtime reads (default: a fresh clock at DAYTIME). */
  clock?: TestClock;
  /** Wraps each job handler (e.g. to record what a handler decided). */
  wrap?: StartWorkersOptions['wrap'];
  /** Serves the web desk at the bot's port, and `/desk` in chat sends links to it. */
  desk?: boolean;
}

/** The desk's cookie secret in tests. */
export const DESK_COOKIE_SECRET = 'test-desk-cookie-secret-0123456789abcdef';

export async function startBot(store: TestStore, emulator: TelegramEmulator, opts: BotOptions = {}): Promise<BotUnderTest> {
  const port = opts.port ?? (await freePort());
  const prefix = opts.prefix ?? uniquePrefix();
  const webhookUrl = `http://127.0.0.1:${port}/telegram/webhook`;
  const clock = opts.clock ?? daytimeClock();
  const runtime = await createRuntime({
    store,
    queue: opts.queue === 'postgres' ? { kind: 'postgres' } : { kind: 'redis', url: TEST_REDIS_URL, prefix },
    logger: opts.logger ?? testLogger,
    relayIntervalMs: 200,
    now: opts.now ?? clock.now,
    ...(opts.chat ? { chat: opts.chat } : {}),
    ...(opts.desk ? { desk: { baseUrl: `http://127.0.0.1:${port}` } } : {}),
    // Per-chat send limits and the flood guard relaxed (a test presses faster than a person); their unit tests cover the real ones.
    telegram: { token: emulator.token, apiRoot: emulator.apiRoot, webhookUrl, webhookSecret: WEBHOOK_SECRET, limits: { chatPerSecond: 50, chatBurst: 10 }, flood: { burst: 60, perMinute: 240 }, ...opts.telegram },
  });
  runtime.startWorkers({ concurrency: 4, wrap: opts.wrap });
  const http = createAppServer({
    runtime,
    logger: opts.logger ?? testLogger,
    adminToken: 'test-admin-token',
    ...(opts.desk ? { desk: { baseUrl: `http://127.0.0.1:${port}`, cookieSecret: DESK_COOKIE_SECRET } } : {}),
  });
  await http.listen({ host: '127.0.0.1', port });
  await runtime.startAdapters();
  let stopped = false;
  return {
    runtime,
    http,
    webhookUrl,
    prefix,
    port,
    clock,
    idle: (o) => waitIdle(runtime, o),
    async stop() {
      if (stopped) return;
      stopped = true;
      await runtime.adapter('telegram')?.stop?.();
      await http.close();
      await runtime.close();
    },
  };
}
