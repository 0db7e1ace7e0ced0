// The app's one HTTP server: health, the administrator's operations (for the CLI while the
// service holds the data folder), and later the platforms' webhooks.
import { timingSafeEqual } from 'node:crypto';
import Fastify, { LogController } from 'fastify';
import { isOpName, OpError, runOp } from '../app/ops.js';
import type { Runtime } from '../app/runtime.js';
import type { Logger } from '../logger.js';
import { RosterImportError } from '../roster/import-roster.js';
import { RosterError } from '../roster/parse-roster.js';
import { outboxBacklog } from '../store/repositories/outbox-repository.js';

export interface HttpOptions {
  runtime: Runtime;
  logger: Logger;
  /** Bearer token the CLI must present for /admin routes. */
  adminToken: string;
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header?.replace(/^Bearer\s+/i, '') ?? '');
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want);
}

/** Turns an operation's failure into an answer the CLI can show in its user's language. */
export function opErrorBody(err: unknown): { status: number; body: { error: { key: string; params: Record<string, unknown> } } } | null {
  if (err instanceof OpError) return { status: 400, body: { error: { key: err.key, params: err.params } } };
  // The problems go as keys and parameters: the CLI shows them in its reader's language.
  if (err instanceof RosterError) return { status: 400, body: { error: { key: 'cli:errors.roster', params: { details: err.message, file: err.file, problems: err.problems } } } };
  if (err instanceof RosterImportError) return { status: 400, body: { error: { key: 'cli:errors.roster', params: { details: err.message, problems: err.problems } } } };
  return null;
}

export function createHttpServer(opts: HttpOptions) {
  const app = Fastify({
    loggerInstance: opts.logger,
    bodyLimit: 20 * 1024 * 1024,
    // One line per request is noise at a webhook's rate; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
  });
  const { runtime } = opts;

  app.get('/healthz', async () => ({
    ok: true,
    store: runtime.store.kind,
    queue: runtime.queues?.target.kind ?? null,
    outboxBacklog: await outboxBacklog(runtime.store.db),
  }));

  app.post<{ Params: { name: string }; Body: unknown }>('/admin/ops/:name', async (req, reply) => {
    if (!tokenMatches(req.headers.authorization, opts.adminToken)) return reply.code(401).send({ error: { key: 'cli:errors.unauthorised', params: {} } });
    if (!isOpName(req.params.name)) return reply.code(404).send({ error: { key: 'cli:errors.unknown_op', params: { op: req.params.name } } });
    try {
      return { result: await runOp(runtime.ctx, req.params.name, req.body) };
    } catch (err) {
      const known = opErrorBody(err);
      if (known) return reply.code(known.status).send(known.body);
      throw err;
    }
  });

  // Slack's events, interactions and slash command (HTTP mode), signature checked by Bolt.
  runtime.slack?.mount(app);
  // Telegram's webhook (webhook mode), refused with 401 without the secret token.
  runtime.telegram?.registerRoutes(app);

  return app;
}

export type HttpServer = ReturnType<typeof createHttpServer>;
