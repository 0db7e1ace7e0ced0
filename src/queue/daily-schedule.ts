// The evening sweep and the morning digest as BullMQ job schedulers, firing at local times: one
// digest per time zone the grid tree uses, one sweep per zone and dispute cut-off its villages and
// townships use (each node is swept at its own cut-off). With the whole tree in Asia/Shanghai at
// 20:00 that is two schedulers. Upserting is idempotent, so every process may do it at start.
import { clockMinutes } from '../domain/alert-policy.js';
import type { SweepSlot } from '../services/daily-alerts.js';
import type { QueueSystem } from './queue-system.js';

export interface DailyTimes {
  /** 纠纷不过夜: the sweep runs at this local time (default 20:00, the dispute cut-off). */
  sweep: string;
  /** After the default quiet hours end (07:00). */
  digest: string;
}

export const DEFAULT_DAILY_TIMES: Readonly<DailyTimes> = { sweep: '20:00', digest: '07:30' };

const KINDS = ['sweep', 'digest'] as const;

export type { SweepSlot };

export function schedulerId(kind: (typeof KINDS)[number], zone: string, at?: string): string {
  // BullMQ ids may not hold ':'.
  return at ? `${kind}@${zone}@${at.replace(':', '')}` : `${kind}@${zone}`;
}

function cron(hhmm: string): string {
  const m = clockMinutes(hhmm);
  return `${m % 60} ${Math.floor(m / 60)} * * *`;
}

/**
 * Makes the schedulers match the zones: one digest per zone at `times.digest` local; one sweep per
 * slot of `sweeps` (a zone and a cut-off), or without slots one per zone at `times.sweep`.
 * Schedulers no longer wanted are removed.
 */
export async function scheduleDailyJobs(queues: QueueSystem, zones: readonly string[], times: DailyTimes = DEFAULT_DAILY_TIMES, sweeps?: readonly SweepSlot[]): Promise<void> {
  for (const kind of KINDS) {
    const queue = queues.queue(kind);
    const slots: Array<{ zone: string; at?: string }> = kind === 'sweep' && sweeps ? [...sweeps] : zones.map((zone) => ({ zone }));
    const wanted = new Set(slots.map((x) => schedulerId(kind, x.zone, x.at)));
    for (const s of await queue.getJobSchedulers()) {
      const id = s.id ?? s.key;
      if (id.startsWith(`${kind}@`) && !wanted.has(id)) await queue.removeJobScheduler(id);
    }
    for (const x of slots) {
      const data = x.at ? { zone: x.zone, at: x.at } : { zone: x.zone };
      await queue.upsertJobScheduler(schedulerId(kind, x.zone, x.at), { pattern: cron(x.at ?? times[kind]), tz: x.zone }, { name: kind, data });
    }
  }
}
