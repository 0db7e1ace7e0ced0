// The send jobs for notifications just written: one per recipient queue (send-service.ts drains it).
// A queue's job runs at the priority of the most urgent message written to it (domain/send-class.ts):
// rows that do not say what they are (no template) take none, and go first.
import { sendClass, sendRank, type SendClass } from '../domain/send-class.js';
import { outboxJob, sendLane, type OutboxJob } from '../ports/jobs.js';
import { recipientKey, type NewDelivery } from '../store/repositories/delivery-repository.js';

type Row = Pick<NewDelivery, 'personId' | 'chatPlatform' | 'chatId' | 'status'> & { template?: string; broadcastId?: string | null };

/** Held alerts wait for the digest and get none; `at` delays the jobs (a receipt that waits for routing). */
export function sendJobs(rows: ReadonlyArray<Row>, opts: { at?: Date } = {}): OutboxJob[] {
  const queues = new Map<string, SendClass>();
  for (const r of rows) {
    if (r.status === 'held') continue;
    const key = recipientKey(r);
    const c: SendClass = r.template === undefined ? 'first' : sendClass({ template: r.template, broadcastId: r.broadcastId });
    const prev = queues.get(key);
    if (!prev || sendRank(c) < sendRank(prev)) queues.set(key, c);
  }
  return [...queues].map(([recipient, c]) => {
    const lane = sendLane(c);
    return outboxJob('send', { recipient, ...(opts.at ? { at: opts.at.toISOString() } : {}), ...(lane ? { lane } : {}) });
  });
}
