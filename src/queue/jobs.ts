// One job-name → payload map. Every queue carries one kind of job; its name is the queue's name.
import type { InboundEvent } from '../services/inbound-event.js';

export interface JobMap {
  /** A platform event, normalised; the intake turns reports into matters. */
  inbound: InboundEvent;
  /** Pick the officer for a matter that has been received. */
  route: { matterId: string };
  /** Send the deliveries (notifications to people) one state change caused. */
  notify: { deliveryIds: string[] };
}

export type JobName = keyof JobMap;
export const JOB_NAMES = ['inbound', 'route', 'notify'] as const satisfies readonly JobName[];

/** What a handler reports back; kept in the job's return value for inspection. */
export interface JobOutcome {
  outcome: string;
  [key: string]: unknown;
}

export interface JobMeta {
  jobId: string;
  /** 1 on the first run. */
  attempt: number;
  /** True when a failure now is final (no retry follows). */
  final: boolean;
}

export type JobHandler<N extends JobName> = (data: JobMap[N], meta: JobMeta) => Promise<JobOutcome>;
export type JobHandlers = { [N in JobName]: JobHandler<N> };
