// The app's one HTTP server, wired: health, the administrator's operations (for the CLI while the
// service holds the data folder), and the platforms' webhooks.
import { mountDesk } from '../desk/index.js';
import { createHttpServer, type HttpServer } from '../http/server.js';
import { JOB_NAMES } from '../ports/jobs.js';
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

export function createAppServer(opts: { runtime: Runtime; logger: Logger; adminToken: string; desk?: AppDeskOptions }): HttpServer {
  const { runtime } = opts;
  return createHttpServer({
    logger: opts.logger,
    adminToken: opts.adminToken,
    health: async () => ({ store: runtime.store.kind, queue: runtime.queues?.target.kind ?? null, outboxBacklog: await outboxBacklog(runtime.store.db) }),
    ops: { has: isOpName, run: (name, args) => runOp(runtime.ctx, name as Parameters<typeof runOp>[1], args), errorBody: opErrorBody },
    routes: (app) => {
      // Slack's events, interactions and slash command (HTTP mode), signature checked by Bolt.
      runtime.slack?.mount(app);
      // Telegram's webhook (webhook mode), refused with 401 without the secret token.
      runtime.telegram?.registerRoutes(app);
      // The cadre's web desk under /desk. Routes beside it that need the desk's sign-in (the ledger
      // export) ask the viewerOf(request) of the handle mountDesk returns: the person's id, or null.
      if (opts.desk) {
        const queues = runtime.queues;
        mountDesk(app, {
          ctx: runtime.ctx,
          baseUrl: typeof opts.desk.baseUrl === 'function' ? opts.desk.baseUrl() : opts.desk.baseUrl,
          cookieSecret: opts.desk.cookieSecret,
          joinLink: (code) => (runtime.telegram?.username ? `https://t.me/${runtime.telegram.username}?start=${encodeURIComponent(code)}` : null),
          ...(queues ? { queues: () => JOB_NAMES.map((name) => queues.queue(name)) } : {}),
        });
      }
    },
  });
}
