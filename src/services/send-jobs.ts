// The send jobs for notifications just written: one per recipient queue (send-service.ts drains it).
import { outboxJob, type OutboxJob } from '../ports/jobs.js';
import { recipientKey, type NewDelivery } from '../store/repositories/delivery-repository.js';

/** Held alerts wait for the digest and get none; `at` delays the jobs (a receipt that waits for routing). */
export function sendJobs(rows: ReadonlyArray<Pick<NewDelivery, 'personId' | 'chatPlatform' | 'chatId' | 'status'>>, opts: { at?: Date } = {}): OutboxJob[] {
  const queues = new Set(rows.filter((r) => r.status !== 'held').map((r) => recipientKey(r)));
  return [...queues].map((recipient) => outboxJob('send', { recipient, ...(opts.at ? { at: opts.at.toISOString() } : {}) }));
}
