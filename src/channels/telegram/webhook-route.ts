// The webhook on the app's HTTP server. Telegram signs nothing: it sends back the secret given
// to setWebhook in X-Telegram-Bot-Api-Secret-Token, and a request without it is refused (401)
// before its body is even read.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Update } from 'telegraf/types';
import type { Logger } from '../../logger.js';

export const SECRET_HEADER = 'x-telegram-bot-api-secret-token';

export interface WebhookRouteOptions {
  path: string;
  secret: string;
  /** Queues the update; throws when it could not (Telegram then delivers it again). */
  receive: (update: Update) => Promise<unknown>;
  logger: Logger;
}

export function secretMatches(given: unknown, secret: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** An object with an integer update_id: all the webhook checks before normalising. */
export function isUpdate(body: unknown): body is Update {
  return typeof body === 'object' && body !== null && !Array.isArray(body) && Number.isSafeInteger((body as { update_id?: unknown }).update_id);
}

// Any logger and server types: only post() and the request headers and body are used.
export function registerWebhookRoute(app: FastifyInstance<any, any, any, any, any>, opts: WebhookRouteOptions): void {
  app.post(
    opts.path,
    {
      bodyLimit: 1024 * 1024,
      onRequest: async (req, reply) => {
        if (!secretMatches(req.headers[SECRET_HEADER], opts.secret)) return reply.code(401).send({ ok: false, error: 'wrong or missing secret token' });
      },
    },
    async (req, reply) => {
      if (!isUpdate(req.body)) return reply.code(400).send({ ok: false, error: 'not a Telegram update' });
      try {
        await opts.receive(req.body);
      } catch (err) {
        opts.logger.warn({ err: { name: (err as Error).name, message: (err as Error).message }, updateId: req.body.update_id }, 'telegram update not queued; Telegram will deliver it again');
        return reply.code(503).send({ ok: false });
      }
      return { ok: true };
    },
  );
}
