// The send path's one question about a broadcast's copy, asked just before it goes: has the person
// said /stop since it was written, or have their quiet hours begun (their grid's, as the roster
// sets them; a long broadcast runs into the night)? A matter's messages never pass here; they go whatever the hour.
import { broadcastDueAt } from '../domain/index.js';
import { outboxJob } from '../ports/jobs.js';
import type { ServiceContext } from '../ports/context.js';
import { dropClaimedCopy, holdClaimedCopy, recipientState } from '../store/repositories/broadcast-repository.js';
import type { DeliveryRow } from '../store/repositories/delivery-repository.js';
import { enqueue } from '../store/repositories/outbox-repository.js';

/**
 * For a claimed row: null when it may be sent now; else what became of it ('stopped': not sent,
 * ever; 'quiet': put back until the person's morning, with a send job for then).
 */
export async function broadcastGate(ctx: ServiceContext, row: DeliveryRow, claimer: string, defaultZone: string): Promise<'stopped' | 'quiet' | null> {
  if (!row.broadcastId || !row.personId) return null;
  const who = await recipientState(ctx.db, row.personId);
  if (who.stopped) {
    await dropClaimedCopy(ctx.db, row.id, claimer);
    return 'stopped';
  }
  const now = ctx.now();
  const due = broadcastDueAt(now, who.zone ?? defaultZone, who.quiet ?? undefined);
  if (due.getTime() <= now.getTime()) return null;
  await ctx.db.transaction(async (tx) => {
    if (await holdClaimedCopy(tx, row.id, claimer, due)) await enqueue(tx, [outboxJob('send', { recipient: row.recipient, lane: 'broadcast', at: due.toISOString() })]);
  });
  ctx.outboxWritten();
  return 'quiet';
}
