// The app's one HTTP server, wired: health, the administrator's operations (for the CLI while the
// service holds the data folder), and the platforms' webhooks.
import { mountDesk } from '../desk/index.js';
import { createHttpServer, tokenMatches, type HttpServer } from '../http/server.js';
import { ledgerExportRoutes, type LedgerExportRouteOptions } from '../http/ledger-export-routes.js';
import { JOB_NAMES } from '../ports/jobs.js';
import { ADMINISTRATOR, LedgerExport } from '../services/ledger-export.js';
import { pingStore } from '../store/repositories/ops-repository.js';
import { SCRAPE_LIMIT_MS } from './metrics.js';
import type { Logger } from '../logger.js';
import { RosterImportError } from '../roster/import-roster.js';
import { RosterError } from '../roster/parse-roster.js';
import { outboxBacklog } from '../store/repositories/outbox-repository.js';
import { isOpName, OpError, runOp } from './ops.js';
import type { Runtime } from './runtime.js';

export type { HttpServer };

/** Turns an operation's failure into an answer the CLI can show in its user's language. */
export function opErrorBody(err: unknown): { status: number; body: { error: { key: string; params: Record<string, unknown> } } } | null {
  if (err instanceof OpError) return { status: 400, body: { error: { key: err.key, params: err.params } } };
  // The problems go as keys and parameters: the CLI shows them in its reader's language.
  if (err instanceof RosterError) return { status: 400, body: { error: { key: 'cli:errors.roster', params: { details: err.message, file: err.file, problems: err.problems } } } };
  if (err instanceof RosterImportError) return { status: 400, body: { error: { key: 'cli:errors.roster', params: { details: err.message, problems: err.problems } } } };
  return null;
}

export interface AppDeskOptions {
  /** The desk's public address (the sign-in links point there); a function when known only once the server listens. */
  baseUrl: string | (() => string);
  /** Signs the desk's cookies (at least 32 characters). */
  cookieSecret: string;
}

/** Where the service is in its life: /readyz reads it. */
export interface ServiceState {
  /** The bots (polling or webhook) are started. */
  botsStarted: boolean;
  /** Shutting down: take no new work, finish what is in hand. */
  draining: boolean;
}

/** Resolves with whether `work` finished within the time limit, and what went wrong if not. */
async function answers(work: () => Promise<unknown>): Promise<{ ok: boolean; error?: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([work(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${SCRAPE_LIMIT_MS} ms`)), SCRAPE_LIMIT_MS)))]);
    return { ok: true };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.name : 'Error' };
  } finally {
    clearTimeout(timer);
  }
}

/** Whether the service can take work: the store and the queues answer, the bots are started, it is not draining. */
export async function readiness(runtime: Pick<Runtime, 'store' | 'queues'>, state: ServiceState): Promise<{ ready: boolean; checks: Record<string, unknown> }> {
  const queues = runtime.queues;
  const [store, queue] = await Promise.all([
    answers(() => pingStore(runtime.store.db)),
    queues ? answers(() => queues.queue('chat').getJobCounts('waiting')) : Promise.resolve({ ok: true }),
  ]);
  const ready = store.ok && queue.ok && state.botsStarted && !state.draining;
  return { ready, checks: { store, queue, bots: { ok: state.botsStarted }, draining: state.draining } };
}

export function createAppServer(opts: {
  runtime: Runtime;
  logger: Logger;
  adminToken: string;
  /** Default: started, not draining (a test's bot, started before it listens). */
  state?: ServiceState;
  /** The cadre's web desk under /desk; its sign-in also decides who may read /desk/export.csv and .xlsx. */
  desk?: AppDeskOptions;
  /** Who is asking, where no desk is mounted (tests of the export routes alone). */
  viewerOf?: LedgerExportRouteOptions['viewerOf'];
}): HttpServer {
  const { runtime } = opts;
  const state = opts.state ?? { botsStarted: true, draining: false };
  const ledger = new LedgerExport(runtime.ctx);
  return createHttpServer({
    logger: opts.logger,
    adminToken: opts.adminToken,
    readiness: () => readiness(runtime, state),
    metrics: runtime.metrics,
    draining: () => state.draining,
    health: async () => ({ store: runtime.store.kind, queue: runtime.queues?.target.kind ?? null, outboxBacklog: await outboxBacklog(runtime.store.db) }),
    ops: { has: isOpName, run: (name, args) => runOp(runtime.ctx, name as Parameters<typeof runOp>[1], args), errorBody: opErrorBody },
    routes: (app) => {
      // Slack's events, interactions and slash command (HTTP mode), signature checked by Bolt.
      runtime.slack?.mount(app);
      // Telegram's webhook (webhook mode), refused with 401 without the secret token.
      runtime.telegram?.registerRoutes(app);
      // WeCom's callback URL (/wecom/callback): signed and encrypted, answered 200 once committed.
      runtime.wecom?.inbound.mount(app);
      // The cadre's web desk under /desk. The ledger export beside it asks the desk's sign-in who is asking.
      let viewerOf = opts.viewerOf;
      if (opts.desk) {
        const queues = runtime.queues;
        const desk = mountDesk(app, {
          ctx: runtime.ctx,
          baseUrl: typeof opts.desk.baseUrl === 'function' ? opts.desk.baseUrl() : opts.desk.baseUrl,
          cookieSecret: opts.desk.cookieSecret,
          joinLink: (code) => (runtime.telegram?.username ? `https://t.me/${runtime.telegram.username}?start=${encodeURIComponent(code)}` : null),
          ...(queues ? { queues: () => JOB_NAMES.map((name) => queues.queue(name)) } : {}),
        });
        viewerOf ??= desk.viewerOf;
      }
      // The ledger as a file: for the CLI while the service holds the data folder, and for the desk's readers.
      app.register(ledgerExportRoutes({ ledger, path: '/admin/export', viewerOf: (req) => (tokenMatches(req.headers.authorization, opts.adminToken) ? ADMINISTRATOR : null) }));
      if (viewerOf) app.register(ledgerExportRoutes({ ledger, viewerOf }));
    },
  });
}
