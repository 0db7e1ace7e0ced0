// The Slack front door: a Bolt app whose requests arrive on the app's own HTTP server (HTTP mode,
// every request checked against the signing secret) or over Socket Mode (SLACK_APP_TOKEN), whose
// listeners turn every request into chat updates for the flows; its channel and cards draw what
// the flows and the notify worker say.
import type { FileSource } from '../../ports/files.js';
import type { FormFields } from '../../ports/forms.js';
import { SlackFileFetcher } from './slack-files.js';
import { App, HTTPModuleFunctions, HTTPReceiver, LogLevel, SocketModeReceiver, type Logger as BoltLogger } from '@slack/bolt';
import type { FastifyInstance } from 'fastify';
import type { Locale } from '../../domain/types.js';
import type { Logger } from '../../logger.js';
import type { ServiceContext } from '../../ports/context.js';
import type { Admission } from '../../ports/admission.js';
import type { CardStore } from '../../ports/cards.js';
import type { ChatUpdate } from '../../ports/chat-update.js';
import type { RateBuckets } from '../../ports/rate-buckets.js';
import { ChannelPacer, SlackApi } from './slack-api.js';
import { SlackCards } from './slack-cards.js';
import { SlackChannel } from './slack-channel.js';
import { registerListeners } from './slack-listeners.js';

export interface SlackSettings {
  botToken: string;
  /** Required in HTTP mode; Socket Mode is authenticated by the app token instead. */
  signingSecret: string;
  /** xapp-…: Socket Mode instead of HTTP. */
  appToken?: string;
  /** Another Web API root (a stand-in in tests), e.g. http://127.0.0.1:9000/api/. */
  apiUrl?: string;
  /** Gap between two posts to one channel (default 1000 ms: Slack allows about one a second). */
  perChannelIntervalMs?: number;
  /** Retries of one Web API call before the queue's own retry takes over (default 2). */
  apiRetries?: number;
  /** Where Slack sends events, interactions and the slash command (default /slack/events). */
  path?: string;
}

export const SLACK_PATH = '/slack/events';

/** How far a signed request's timestamp may be off, either way (Slack's own rule for staleness). */
export const SLACK_CLOCK_SKEW_SECONDS = 5 * 60;

/** Whether a request's `X-Slack-Request-Timestamp` lies more than SLACK_CLOCK_SKEW_SECONDS ahead of `nowMs`. */
export function fromTheFuture(header: unknown, nowMs: number): boolean {
  const ts = Number(Array.isArray(header) ? header[0] : header);
  return Number.isFinite(ts) && ts - Math.floor(nowMs / 1000) > SLACK_CLOCK_SKEW_SECONDS;
}

/**
 * Which response_url a slash command may be answered through: Slack's own (hooks.slack.com), or
 * one on the host of another Web API root (a stand-in). Any other address is not posted to.
 */
export function respondableOn(apiUrl: string | undefined): (url: string) => boolean {
  const origins = new Set(['https://hooks.slack.com']);
  if (apiUrl) origins.add(new URL(apiUrl).origin);
  return (url) => {
    try {
      return origins.has(new URL(url).origin);
    } catch {
      return false;
    }
  };
}

export class SlackConfigError extends Error {
  override readonly name = 'SlackConfigError';
}

function boltLogger(logger: Logger): BoltLogger {
  const log = logger.child({ channel: 'slack' });
  let level = LogLevel.INFO;
  const text = (msg: unknown[]) => msg.map((m) => (m instanceof Error ? m.message : typeof m === 'string' ? m : JSON.stringify(m))).join(' ');
  return {
    // The Web API client's debug lines carry request and response bodies (people's words): a line
    // with a payload in it is not logged.
    debug: (...msg) => {
      const line = text(msg);
      if (!/[{[]/.test(line)) log.debug(line);
    },
    info: (...msg) => log.info(text(msg)),
    warn: (...msg) => log.warn(text(msg)),
    error: (...msg) => log.error(text(msg)),
    setLevel: (l) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}

export class SlackFrontDoor {
  readonly mode: 'http' | 'socket';
  readonly path: string;
  readonly app: App;
  readonly api: SlackApi;
  readonly cards: SlackCards;
  readonly channel: SlackChannel;
  /** Fetches files people shared here, for the other platforms' adapters. */
  readonly fetcher: SlackFileFetcher;
  private readonly receiver: HTTPReceiver | null;
  private started = false;

  constructor(
    settings: SlackSettings,
    private readonly deps: { ctx: ServiceContext; admission: Admission; cards: CardStore; timezone: string; defaultLocale?: Locale; rateBuckets?: RateBuckets; files?: FileSource; forms?: FormFields },
  ) {
    const { ctx } = deps;
    this.mode = settings.appToken ? 'socket' : 'http';
    this.path = settings.path ?? SLACK_PATH;
    if (this.mode === 'http' && !settings.signingSecret) throw new SlackConfigError('SLACK_SIGNING_SECRET is required in HTTP mode: every request is checked against it');
    const logger = boltLogger(ctx.logger);
    const clientOptions = {
      ...(settings.apiUrl ? { slackApiUrl: settings.apiUrl.endsWith('/') ? settings.apiUrl : `${settings.apiUrl}/` } : {}),
      // A failing call is retried a little here, then by the queue; never for half an hour in one job.
      retryConfig: { retries: settings.apiRetries ?? 2, factor: 2, minTimeout: 500, maxTimeout: 4000, randomize: true },
      rejectRateLimitedCalls: true,
      timeout: 15_000,
    };
    this.receiver =
      this.mode === 'http'
        ? new HTTPReceiver({
            signingSecret: settings.signingSecret,
            endpoints: this.path,
            processBeforeResponse: true,
            logger,
            // Bolt reads fields Slack always sends (an interaction's user, a view) before any listener:
            // a signed request without them fails there with a TypeError. That is the request's
            // fault, not ours: a warning and 400. Anything else keeps Bolt's answer (an error, 500).
            processEventErrorHandler: async (args) => {
              if (!(args.error instanceof TypeError) || args.response.headersSent) return HTTPModuleFunctions.defaultProcessEventErrorHandler(args);
              ctx.logger.warn({ channel: 'slack', err: { name: args.error.name } }, 'slack: a request lacking what Slack always sends was refused');
              args.response.writeHead(400).end();
              return true;
            },
            // A signed request no listener takes (a kind Slack does not send us) is someone else's doing: a warning, and 404.
            unhandledRequestHandler: ({ response }) => {
              ctx.logger.warn({ channel: 'slack' }, 'slack: a request was not answered within 3 s (of no kind we take, or the inbox too slow)');
              if (!response.headersSent) response.writeHead(404).end();
            },
          })
        : null;
    const receiver = this.receiver ?? new SocketModeReceiver({ appToken: settings.appToken!, logger, installerOptions: { clientOptions } });
    this.app = new App({ token: settings.botToken, receiver, logger, clientOptions, deferInitialization: true });
    this.api = new SlackApi(this.app.client, new ChannelPacer(settings.perChannelIntervalMs ?? 1000, undefined, deps.rateBuckets ? { buckets: deps.rateBuckets, token: settings.botToken } : undefined));
    this.cards = new SlackCards(deps.cards, () => ctx.now(), this.api, deps.timezone);
    this.channel = new SlackChannel(ctx, this.api, this.cards, deps.files);
    this.fetcher = new SlackFileFetcher(this.api);
    registerListeners(this.app, {
      admit: (updates, receiptId) => this.admit(updates, receiptId),
      openView: (triggerId, view) => this.api.openView(triggerId, view),
      ...(deps.forms ? { broadcastFields: (user: string) => deps.forms!.broadcast('slack', user) } : {}),
      now: () => ctx.now(),
      defaultLocale: deps.defaultLocale ?? 'zh-CN',
      respondable: respondableOn(settings.apiUrl),
      logger: ctx.logger.child({ channel: 'slack' }),
    });
  }

  /**
   * Admits the updates, keyed by the request's receipt (a retried Slack delivery adds nothing),
   * before the listener acknowledges: once this resolves they are committed and their work queued.
   */
  private async admit(updates: ChatUpdate[], receiptId: string): Promise<void> {
    await this.deps.admission.admit(updates.map((update, i) => ({ deliveryId: i ? `${receiptId}:${i}` : receiptId, update })));
  }

  /**
   * Serves Slack's requests on the app's HTTP server. The body is handed over as received: the
   * signature is computed over the exact bytes. Nothing to mount in Socket Mode.
   */
  // Any logger and server types: only register() and a raw request/response are used.
  mount(server: FastifyInstance<any, any, any, any, any>): void {
    const receiver = this.receiver;
    if (!receiver) return;
    void server.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 1024 * 1024 }, (_req, body, done) => done(null, body));
      scope.post(this.path, (request, reply) => {
        // Bolt refuses a request more than 5 minutes old; one from further in the future is as suspect.
        if (fromTheFuture(request.headers['x-slack-request-timestamp'], Date.now())) {
          return reply.code(401).send({ ok: false, error: 'request timestamp is in the future: check the clock of the sender' });
        }
        reply.hijack();
        Object.assign(request.raw, { rawBody: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0) });
        try {
          receiver.requestListener(request.raw, reply.raw);
        } catch {
          reply.raw.writeHead(404).end();
        }
      });
    });
  }

  /** Checks the token (auth.test: a wrong one stops the start) and, in Socket Mode, connects. */
  async start(): Promise<void> {
    if (this.started) return;
    try {
      await this.app.init();
    } catch (err) {
      const code = (err as { data?: { error?: string } }).data?.error ?? (err as Error).message;
      throw new SlackConfigError(`Slack refused SLACK_BOT_TOKEN (auth.test: ${code}): copy the Bot User OAuth Token (xoxb-…) from the app's OAuth & Permissions page`);
    }
    if (this.mode === 'socket') await this.app.start();
    this.started = true;
  }

  async stop(): Promise<void> {
    if (this.started && this.mode === 'socket') await this.app.stop().catch(() => {});
    this.started = false;
  }
}
