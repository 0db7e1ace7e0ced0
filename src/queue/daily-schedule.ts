// The evening sweep and the morning digest as BullMQ job schedulers: one cron per time zone the
// grid tree uses, firing at the local time in that zone. With the whole tree in Asia/Shanghai
// that is two schedulers. Upserting is idempotent, so every process may do it at start.
import { clockMinutes } from '../domain/alert-policy.js';
import type { QueueSystem } from './queue-system.js';

export interface DailyTimes {
  /** 纠纷不过夜: the sweep runs at this local time (default 20:00, the dispute cut-off). */
  sweep: string;
  /** After the default quiet hours end (07:00). */
  digest: string;
}

export const DEFAULT_DAILY_TIMES: Readonly<DailyTimes> = { sweep: '20:00', digest: '07:30' };

const KINDS = ['sweep', 'digest'] as const;

export function schedulerId(kind: (typeof KINDS)[number], zone: string): string {
  return `${kind}@${zone}`;
}

function cron(hhmm: string): string {
  const m = clockMinutes(hhmm);
  return `${m % 60} ${Math.floor(m / 60)} * * *`;
}

/**
 * Makes the schedulers match the zones: one sweep and one digest per zone, at `times` local;
 * schedulers of zones no longer used are removed.
 */
export async function scheduleDailyJobs(queues: QueueSystem, zones: readonly string[], times: DailyTimes = DEFAULT_DAILY_TIMES): Promise<void> {
  for (const kind of KINDS) {
    const queue = queues.queue(kind);
    const wanted = new Set(zones.map((z) => schedulerId(kind, z)));
    for (const s of await queue.getJobSchedulers()) {
      const id = s.id ?? s.key;
      if (id.startsWith(`${kind}@`) && !wanted.has(id)) await queue.removeJobScheduler(id);
    }
    for (const zone of zones) {
      await queue.upsertJobScheduler(schedulerId(kind, zone), { pattern: cron(times[kind]), tz: zone }, { name: kind, data: { zone } });
    }
  }
}
