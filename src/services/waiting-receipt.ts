// 四个一: the villager gets one receipt carrying the reference. The first one waits
// RECEIPT_WAIT_MS for routing, which takes it back and sends one naming who handles the matter —
// but only while no sender has touched it (supersedeWaiting). Once a sender claimed it, it is
// sent (again, after a failed attempt or a lease that ran out), and routing's answer follows it
// as a separate "已交由…" notice. The choice is made once, on the row, by whichever comes first;
// nothing later takes a claimed receipt back. The one rule left here: a waiting receipt put back
// early (a restart, a wiped Redis) is not sent before its wait is over.
import { findMatter } from '../store/repositories/matter-repository.js';
import type { DeliveryRow } from '../store/repositories/delivery-repository.js';
import type { ServiceContext } from '../ports/context.js';
import { RECEIPT_WAIT_MS, WAITING_RECEIPT } from './intake-service.js';

/** The waiting receipt's wait is not over: its job comes back then, without using an attempt. */
export class ReceiptNotDueError extends Error {
  override readonly name = 'ReceiptNotDueError';
  constructor(readonly retryAfterMs: number) {
    super(`the waiting receipt is due in ${retryAfterMs} ms`);
  }
}

/**
 * Before a delivery is claimed: throws ReceiptNotDueError while a waiting receipt of an unrouted
 * matter is still within its wait (a job put back early by the reconciler); else returns.
 */
export async function checkWaitingReceipt(ctx: ServiceContext, delivery: DeliveryRow): Promise<void> {
  if (delivery.template !== WAITING_RECEIPT || !delivery.matterId || delivery.attempts > 0) return;
  const due = delivery.dueAt?.getTime() ?? delivery.createdAt.getTime() + RECEIPT_WAIT_MS;
  const left = due - ctx.now().getTime();
  if (left <= 0) return;
  const matter = await findMatter(ctx.db, delivery.matterId);
  if (matter?.step === 'accept') throw new ReceiptNotDueError(left);
}
