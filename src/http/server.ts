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
  /** What /readyz answers: 200 when `ready`, else 503 (a store or queue away, bots not started, draining). */
  readiness?: () => Promise<{ ready: boolean; checks: Record<string, unknown> }>;
  /** /metrics in Prometheus's text format, and each request's time by its route pattern. */
  metrics?: { contentType: string; render(): Promise<string>; observeRequest(method: string, route: string, status: number, seconds: number): void };
  /** True while the service shuts down: only the health and metrics routes answer, the rest get 503. */
  draining?: () => boolean;
}

/** Routes that answer while the service drains (a load balancer and Prometheus keep asking). */
const ALWAYS_OPEN = new Set(['/livez', '/readyz', '/healthz', '/metrics']);

export function tokenMatches(header: string | undefined, token: string): boolean {
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
  // The process is up and its event loop turns; nothing else is asked.
  app.get('/livez', async () => ({ ok: true }));
  app.get('/readyz', async (_req, reply) => {
    const r = opts.readiness ? await opts.readiness() : { ready: !opts.draining?.(), checks: {} };
    return reply.code(r.ready ? 200 : 503).send({ ok: r.ready, ...r.checks });
  });
  const metrics = opts.metrics;
  if (metrics) {
    app.get('/metrics', async (_req, reply) => reply.type(metrics.contentType).send(await metrics.render()));
    app.addHook('onResponse', async (req, reply) => {
      metrics.observeRequest(req.method, req.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    });
  }
  const draining = opts.draining;
  if (draining) {
    app.addHook('onRequest', async (req, reply) => {
      if (!draining() || ALWAYS_OPEN.has(req.routeOptions.url ?? '')) return;
      // The platforms retry what is refused; nothing new is taken while the jobs in hand finish.
      return reply.code(503).header('retry-after', '5').send({ error: 'shutting down' });
    });
  }

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
