// One service's worth of gridline for Slack tests: the store, queues on Redis, the workers, the
// app's HTTP server with the Slack route, the Web API stand-in, and a recording Telegram channel
// (or the real Telegram adapter on the emulator, and the real WeCom adapter on its stand-in).
// Its clock is a TestClock at 10:00 on a Wednesday in Shanghai unless the test gives one.
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { createRuntime, type Runtime, type StartWorkersOptions } from '../../../src/app/runtime.js';
import type { Channel as ChannelPort } from '../../../src/ports/channel.js';
import type { SlackSettings } from '../../../src/channels/slack/index.js';
import type { Platform } from '../../../src/domain/types.js';
import { createAppServer, type HttpServer } from '../../../src/app/http.js';
import type { Db } from '../../../src/store/db.js';
import { identities, slackCards } from '../../../src/store/schema.js';
import { daytimeClock, type TestClock } from '../clock.js';
import { waitIdle, type WaitIdleOptions } from '../idle.js';
import { RecordingChannel } from '../recording-channel.js';
import type { Logger } from '../../../src/logger.js';
import { testLogger, uniquePrefix, type QueueKind } from '../runtime.js';
import { TEST_REDIS_URL, type TestStore } from '../store.js';
import { waitFor } from '../wait.js';
import { freePort, type TelegramEmulator } from '../telegram/emulator.js';
import { WecomCallbackClient } from '../wecom/callback-client.js';
import type { FakeWecom } from '../wecom/fake-wecom.js';
import { wecomSettings } from '../wecom/wecom-bot.js';
import { FakeSlackApi, type SlackCall } from './fake-slack-api.js';
import { post, SIGNING_SECRET, type SlackRequest } from './signed-requests.js';

export interface SlackHarness {
  runtime: Runtime;
  http: HttpServer;
  api: FakeSlackApi;
  telegram: RecordingChannel;
  /** The Slack endpoint on the app's server. */
  endpoint: string;
  /** Where WeCom's callbacks go (AppMember's `bot`), when the harness has the WeCom stand-in. */
  wecom?: { client: WecomCallbackClient };
  send(req: SlackRequest, opts?: Parameters<typeof post>[2]): Promise<Response>;
  /** Waits for the n-th call of a method matching `where`. */
  waitCall(method: string, where?: (c: SlackCall) => boolean, what?: string): Promise<SlackCall>;
  /** The runtime's clock (the one given, or a fresh daytime clock); absent when the test passed a plain `now`. */
  clock?: TestClock;
  /** Resolves once the service has nothing more in hand (see waitIdle). */
  idle(opts?: WaitIdleOptions): Promise<void>;
  close(): Promise<void>;
}

export async function startSlackHarness(
  store: TestStore,
  api: FakeSlackApi,
  opts: {
    slack?: Partial<SlackSettings>;
    channels?: Array<[Platform, ChannelPort]>;
    now?: () => Date;
    /** The clock the runtime reads (default: a fresh clock at DAYTIME, unless `now` is given). */
    clock?: TestClock;
    /** Wraps each job handler (e.g. to record what a handler decided). */
    wrap?: StartWorkersOptions['wrap'];
    /** The real Telegram adapter on the emulator (webhook mode) instead of a recording channel. */
    emulator?: TelegramEmulator;
    /**
     * The real WeCom adapter on its stand-in too (its callbacks go to /wecom/callback on the app's
     * server). The test corp's budgets and tokens in Redis are this run's own (its `shared` namespace).
     */
    wecom?: FakeWecom;
    /** Queues on Redis (default) or on BullMQ's PostgreSQL backend over the test database. */
    queue?: QueueKind;
    /** Default: the silent test logger. */
    logger?: Logger;
    /** `/grid desk` sends sign-in links to this address. */
    desk?: { baseUrl: string };
  } = {},
): Promise<SlackHarness> {
  const telegram = new RecordingChannel('telegram');
  const port = opts.emulator || opts.wecom ? await freePort() : 0;
  const clock = opts.now ? undefined : (opts.clock ?? daytimeClock());
  const runtime = await createRuntime({
    store,
    // Platform-shared state (send budgets, the test corp's tokens) under this run's own name.
    queue: opts.queue === 'postgres' ? { kind: 'postgres' } : { kind: 'redis', url: TEST_REDIS_URL, prefix: uniquePrefix(), shared: `${uniquePrefix()}:` },
    logger: opts.logger ?? testLogger,
    channels: new Map<Platform, ChannelPort>([...(opts.emulator ? [] : ([['telegram', telegram]] as Array<[Platform, ChannelPort]>)), ...(opts.channels ?? [])]),
    relayIntervalMs: 200,
    now: opts.now ?? clock!.now,
    ...(opts.desk ? { desk: opts.desk } : {}),
    slack: { botToken: 'xoxb-test-token', signingSecret: SIGNING_SECRET, apiUrl: `${api.url}/api/`, perChannelIntervalMs: 0, apiRetries: 0, ...opts.slack },
    ...(opts.emulator
      ? {
          telegram: {
            token: opts.emulator.token,
            apiRoot: opts.emulator.apiRoot,
            webhookUrl: `http://127.0.0.1:${port}/telegram/webhook`,
            webhookSecret: 'test-secret-0123456789abcdef',
            limits: { chatPerSecond: 50, chatBurst: 10 },
          },
        }
      : {}),
    // A script's person presses and types faster than anyone would: a wide flood limit.
    ...(opts.wecom ? { wecom: { ...wecomSettings(opts.wecom), flood: { burst: 200, perMinute: 600 } } } : {}),
  });
  await runtime.prepareAdapters();
  runtime.startWorkers({ concurrency: 4, wrap: opts.wrap });
  const http = createAppServer({ runtime, logger: opts.logger ?? testLogger, adminToken: randomBytes(8).toString('hex') });
  await http.listen({ host: '127.0.0.1', port });
  await runtime.startAdapters();
  const addr = http.server.address();
  const base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  const endpoint = `${base}/slack/events`;
  if (opts.wecom) opts.wecom.callbackUrl = `${base}/wecom/callback`;
  return {
    runtime,
    http,
    api,
    telegram,
    endpoint,
    ...(opts.wecom ? { wecom: { client: new WecomCallbackClient({ url: `${base}/wecom/callback` }) } } : {}),
    send: (req, o) => post(endpoint, req, o),
    waitCall: (method, where = () => true, what) => waitFor(() => api.called(method).find(where), what ?? `a ${method} call`),
    clock,
    idle: (o) => waitIdle(runtime, o),
    async close() {
      if (opts.wecom) opts.wecom.callbackUrl = null;
      await runtime.adapter('telegram')?.stop?.();
      await http.close();
      await runtime.close();
    },
  };
}

export async function linkSlack(db: Db, personId: string, slackUser: string): Promise<void> {
  await db.insert(identities).values({ personId, platform: 'slack', externalId: slackUser });
}

export async function cardsOf(db: Db, matterId: string) {
  return db.select().from(slackCards).where(eq(slackCards.matterId, matterId));
}
