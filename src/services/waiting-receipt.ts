// 四个一: the villager gets one receipt. The first one waits RECEIPT_WAIT_MS for routing, which
// replaces it with a receipt naming who handles the matter. Work put back after a restart or a
// wiped Redis must keep to that: a waiting receipt is never sent once routing has answered the
// villager, and is not sent before its wait is over.
import { findMatter } from '../store/repositories/matter-repository.js';
import { hasNoticeOf, supersedeDelivery, type DeliveryRow } from '../store/repositories/delivery-repository.js';
import type { ServiceContext } from '../ports/context.js';
import { RECEIPT_WAIT_MS, WAITING_RECEIPT } from './intake-service.js';
import { leaseExpiredBefore } from './send-lease.js';

/** What routing tells the reporter (routing-service.ts): each replaces, or follows, the waiting receipt. */
export const ROUTING_ANSWERS = ['receipt', 'routed', 'receipt_village', 'receipt_nobody', 'routed_village', 'routed_nobody'] as const;

/** The waiting receipt's wait is not over: its job comes back then, without using an attempt. */
export class ReceiptNotDueError extends Error {
  override readonly name = 'ReceiptNotDueError';
  constructor(readonly retryAfterMs: number) {
    super(`the waiting receipt is due in ${retryAfterMs} ms`);
  }
}

/**
 * Before a delivery is sent: 'superseded' when it is a waiting receipt whose matter routing has
 * already answered (it is taken back), else 'send'. Throws ReceiptNotDueError while a waiting
 * receipt of an unrouted matter is still within its wait (a job put back early by the reconciler).
 */
export async function checkWaitingReceipt(ctx: ServiceContext, delivery: DeliveryRow): Promise<'send' | 'superseded'> {
  if (delivery.template !== WAITING_RECEIPT || !delivery.matterId || !delivery.personId) return 'send';
  const now = ctx.now();
  if (await hasNoticeOf(ctx.db, delivery.matterId, delivery.personId, ROUTING_ANSWERS)) {
    await supersedeDelivery(ctx.db, delivery.id, leaseExpiredBefore(now, ctx.sendLeaseMs));
    return 'superseded';
  }
  const matter = await findMatter(ctx.db, delivery.matterId);
  const left = delivery.createdAt.getTime() + RECEIPT_WAIT_MS - now.getTime();
  if (matter?.step === 'accept' && left > 0) throw new ReceiptNotDueError(left);
  return 'send';
}
