// The real bot (runtime, workers, HTTP server with the webhook, Telegram adapter) pointed at the
// emulator, in webhook mode: the emulator ignores long-poll timeouts, so polling would spin.
import { createRuntime, type Runtime, type RuntimeOptions } from '../../../src/app/runtime.js';
import { createHttpServer, type HttpServer } from '../../../src/http/server.js';
import { TEST_REDIS_URL, type TestStore } from '../store.js';
import { testLogger, uniquePrefix } from '../runtime.js';
import { freePort, type TelegramEmulator } from './emulator.js';

export const WEBHOOK_SECRET = 'test-secret-0123456789abcdef';

export interface BotUnderTest {
  runtime: Runtime;
  http: HttpServer;
  webhookUrl: string;
  prefix: string;
  port: number;
  stop(): Promise<void>;
}

export interface BotOptions {
  /** Reuse a queue prefix (and port) to start the "same" deployment again after a stop. */
  prefix?: string;
  port?: number;
  telegram?: Partial<NonNullable<RuntimeOptions['telegram']>>;
  /** The service's clock (a test that moves time to a deadline). */
  now?: () => Date;
}

export async function startBot(store: TestStore, emulator: TelegramEmulator, opts: BotOptions = {}): Promise<BotUnderTest> {
  const port = opts.port ?? (await freePort());
  const prefix = opts.prefix ?? uniquePrefix();
  const webhookUrl = `http://127.0.0.1:${port}/telegram/webhook`;
  const runtime = await createRuntime({
    store,
    queue: { kind: 'redis', url: TEST_REDIS_URL, prefix },
    logger: testLogger,
    relayIntervalMs: 200,
    ...(opts.now ? { now: opts.now } : {}),
    // Per-chat limits relaxed (a test presses faster than a person); the send-scheduler unit test covers the real ones.
    telegram: { token: emulator.token, apiRoot: emulator.apiRoot, webhookUrl, webhookSecret: WEBHOOK_SECRET, limits: { chatPerSecond: 50, chatBurst: 10 }, ...opts.telegram },
  });
  runtime.startWorkers({ concurrency: 4 });
  const http = createHttpServer({ runtime, logger: testLogger, adminToken: 'test-admin-token' });
  await http.listen({ host: '127.0.0.1', port });
  await runtime.telegram!.start((u) => runtime.submitChat(u));
  let stopped = false;
  return {
    runtime,
    http,
    webhookUrl,
    prefix,
    port,
    async stop() {
      if (stopped) return;
      stopped = true;
      await runtime.telegram?.stop();
      await http.close();
      await runtime.close();
    },
  };
}
