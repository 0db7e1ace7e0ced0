// 节日贺词 as BullMQ job schedulers: one per standing yearly broadcast, firing at 08:00 in its
// node's zone on the holiday's next date. A lunar holiday falls on another day each year, so the
// pattern names that one date (minute, hour, day, month); when it fires, the job plans the
// schedulers again and the next year's date replaces it (a solar holiday's pattern stays the same).
// Upserting is idempotent, so the start, a change and a firing may all plan.
import type { YearlySlot } from '../services/yearly-broadcast.js';
import type { QueueSystem } from './queue-system.js';

/** BullMQ ids may not hold ':'. */
export const yearlySchedulerId = (broadcastId: string) => `yearly@${broadcastId}`;

/** The cron pattern of one instant's wall-clock minute, hour, day and month in `zone`. */
export function cronAt(at: Date, zone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone: zone, month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', hourCycle: 'h23' }).formatToParts(at).map((p) => [p.type, p.value]),
  );
  return `${Number(parts.minute)} ${Number(parts.hour)} ${Number(parts.day)} ${Number(parts.month)} *`;
}

/** Makes the `yearly@` schedulers match `slots`: each upserted at its next firing, the rest removed. */
export async function scheduleYearlyBroadcasts(queues: QueueSystem, slots: readonly YearlySlot[]): Promise<void> {
  const queue = queues.queue('broadcast');
  const wanted = new Set(slots.map((s) => yearlySchedulerId(s.broadcastId)));
  for (const s of await queue.getJobSchedulers()) {
    const id = s.id ?? s.key;
    if (id.startsWith('yearly@') && !wanted.has(id)) await queue.removeJobScheduler(id);
  }
  for (const s of slots) {
    // From a minute before it: the next firing is this date even when the machine's clock and the
    // service's disagree (a test's clock), and never a year early.
    await queue.upsertJobScheduler(
      yearlySchedulerId(s.broadcastId),
      { pattern: cronAt(s.at, s.zone), tz: s.zone, startDate: new Date(s.at.getTime() - 60_000) },
      { name: 'broadcast', data: { op: 'yearly', broadcastId: s.broadcastId } },
    );
  }
}
