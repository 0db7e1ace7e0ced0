// The app's one HTTP server: health, the administrator's operations (for the CLI while the
// service holds the data folder), the platforms' routes: each handed in by the composition root.
import { timingSafeEqual } from 'node:crypto';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Logger } from '../logger.js';

/** The administrator's operations, as the composition root offers them. */
export interface AdminOps {
  has(name: string): boolean;
  run(name: string, args: unknown): Promise<unknown>;
  /** A failure the CLI can show in its user's language (status and locale key), or null to let it fail. */
  errorBody(err: unknown): { status: number; body: { error: { key: string; params: Record<string, unknown> } } } | null;
}

export interface HttpOptions {
  logger: Logger;
  /** Bearer token the CLI must present for /admin routes. */
  adminToken: string;
  /** What /healthz answers. */
  health: () => Promise<Record<string, unknown>>;
  ops: AdminOps;
  /** Adds the platforms' routes (webhooks, Slack's events). */
  routes?: (app: FastifyInstance<any, any, any, any, any>) => void;
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header?.replace(/^Bearer\s+/i, '') ?? '');
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want);
}

export function createHttpServer(opts: HttpOptions) {
  const app = Fastify({
    loggerInstance: opts.logger,
    bodyLimit: 20 * 1024 * 1024,
    // One line per request is noise at a webhook's rate; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
  });

  app.get('/healthz', async () => ({ ok: true, ...(await opts.health()) }));

  app.post<{ Params: { name: string }; Body: unknown }>('/admin/ops/:name', async (req, reply) => {
    if (!tokenMatches(req.headers.authorization, opts.adminToken)) return reply.code(401).send({ error: { key: 'cli:errors.unauthorised', params: {} } });
    if (!opts.ops.has(req.params.name)) return reply.code(404).send({ error: { key: 'cli:errors.unknown_op', params: { op: req.params.name } } });
    try {
      return { result: await opts.ops.run(req.params.name, req.body) };
    } catch (err) {
      const known = opts.ops.errorBody(err);
      if (known) return reply.code(known.status).send(known.body);
      throw err;
    }
  });

  opts.routes?.(app);

  return app;
}

export type HttpServer = ReturnType<typeof createHttpServer>;
