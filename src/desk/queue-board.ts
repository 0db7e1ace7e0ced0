// The queue dashboard (bull-board) behind the desk's sign-in: every request to it passes `allow`
// first, in an encapsulated plugin so the hook guards only the dashboard's own routes.
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** A BullMQ queue as the dashboard reads it (on Redis or on BullMQ's PostgreSQL backend). */
export type BoardQueue = ConstructorParameters<typeof BullMQAdapter>[0];

export async function mountQueueBoard(
  app: FastifyInstance<any, any, any, any, any>,
  opts: { basePath: string; queues: () => BoardQueue[]; allow: (request: FastifyRequest, reply: FastifyReply) => Promise<boolean> },
): Promise<void> {
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(opts.basePath);
  createBullBoard({ queues: opts.queues().map((q) => new BullMQAdapter(q, { readOnlyMode: false })), serverAdapter });
  await app.register(async (board) => {
    board.addHook('onRequest', async (request, reply) => {
      if (!(await opts.allow(request, reply))) return reply;
    });
    await board.register(serverAdapter.registerPlugin(), { prefix: opts.basePath });
  });
}
