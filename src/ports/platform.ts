// A chat platform as the composition root registers it: each adapter folder exports one factory,
// and src/app/platforms.ts lists them, one line a platform. Nothing outside the folder names the
// platform's SDK, and the runtime iterates the list instead of naming platforms.
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Locale, Platform } from '../domain/types.js';
import type { Admission } from './admission.js';
import type { CardEdits, CardStore } from './cards.js';
import type { Channel } from './channel.js';
import type { ServiceContext } from './context.js';
import type { FileFetcher, FileSource } from './files.js';
import type { FormFields } from './forms.js';
import type { Lease } from './lease.js';
import type { RateBuckets } from './rate-buckets.js';

/** The app's HTTP server, where a platform mounts its webhook (any logger and server types). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type HttpRoutes = FastifyInstance<any, any, any, any, any>;

/** What the composition root hands every adapter it creates. */
export interface PlatformDeps {
  ctx: ServiceContext;
  logger: Logger;
  /** The one way in: deliveries committed (and their work queued) before the platform hears "received". */
  admission: Admission;
  /** The service's time zone (a channel's card shows times in it). */
  timezone: string;
  /** The language for people whose platform gives none. */
  defaultLocale?: Locale;
  /** The platform's send limits, shared by every process on a token (Redis, or a Postgres store); this process alone when absent. */
  rateBuckets?: RateBuckets;
  /** Budgets per person for a flood guard: the send limits' place, else the database. */
  floodBuckets?: RateBuckets;
  /** Fetches files of the other platforms, to send them here as files. */
  files: FileSource;
  /** The choices a platform's own dialog offers (Slack's /grid broadcast modal). */
  forms?: FormFields;
  /** Matter cards: their content and where they were posted (Slack), and edits of card messages (Telegram). */
  cards: { store: CardStore; edits: CardEdits };
  /** Where the deployment's processes share small state (tokens, nonces): the queues' Redis, when they are on Redis. */
  redisUrl?: string;
  /** Starts the keys of that shared state (default `gridline:`): one platform account's state is one, across deployments. */
  sharedNamespace?: string;
  /** A lease one process of the deployment holds at a time (long polling), by name; none when the process is alone. */
  lease(name: string): Lease | undefined;
}

/** One platform, created: its outbound channel and its hooks into the service's life. */
export interface PlatformAdapter<C extends Channel = Channel> {
  channel: C;
  /** Fetches files people shared here, for the other platforms' adapters. */
  fetcher?: FileFetcher;
  /** Adds the platform's routes (webhook, events) to the app's HTTP server, before it listens. */
  mount?(server: HttpRoutes): void;
  /** Before anything listens: checks the credentials (a wrong token stops the start here). */
  prepare?(): Promise<void>;
  /** Once the server listens (a webhook set now finds its route): starts taking updates. */
  start?(): Promise<void>;
  /** Stops taking updates; the channel may still send while the workers finish. */
  stop?(): Promise<void>;
  /** A link that opens a chat with the bot carrying `code` (Telegram's t.me deep link); null when there is none (yet). */
  joinLink?(code: string): string | null;
}

/** What an adapter folder exports: its platform's name and how to create it from its settings. */
export interface PlatformFactory<S = never, A extends PlatformAdapter = PlatformAdapter> {
  readonly name: Platform;
  create(settings: S, deps: PlatformDeps): A;
}
