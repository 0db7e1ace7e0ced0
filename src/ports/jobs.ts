// One job-name → payload map. Every queue carries one kind of job; its name is the queue's name.
import type { ChatUpdate } from './chat-update.js';
import type { InboundEvent } from './inbound-event.js';
import type { LimitKind, MatterLevel, SendClass, Step, TimerPhase } from '../domain/index.js';

export interface JobMap {
  /** A platform event, normalised; the intake turns reports into matters. */
  inbound: InboundEvent;
  /** Pick the officer for a matter that has been received. */
  route: { matterId: string };
  /** Send what waits in one recipient's queue (notifications and conversation outputs), in written order. */
  send: {
    recipient: string;
    /** Not before this time (ISO): a receipt that waits for routing. */
    at?: string;
    /**
     * The most urgent message in the queue when the job was written (domain/send-class.ts), absent
     * for a conversation's answer or a receipt or first notice: 'notice' waits behind those, and
     * 'bulk' ('broadcast': a broadcast's copy) behind every matter's message (a lower priority).
     */
    lane?: 'broadcast' | 'bulk' | 'notice';
  };
  /** A chat update (message, command, button press), normalised; the flow engine answers it. */
  chat: ChatUpdate;
  /** A summoned department's report-in limit has passed (delayed through the outbox's runAt). */
  report_in_due: { summonsId: string };
  /** 纠纷不过夜: the evening list of unsettled disputes, for the nodes in one time zone. */
  /** `at`: only the nodes whose dispute cut-off is this 'HH:MM' (every node of the zone without it). */
  sweep: { zone: string; at?: string };
  /** The morning digest (figures and the alerts held in quiet hours), for the nodes in one zone. */
  digest: { zone: string };
  /**
   * Deadlines: the tick of a due second (it settles every deadline due by then, set-based), the
   * climb a missed limit starts, a single deadline's timer (one due at once), or the removal of
   * timers a move superseded (written by earlier versions).
   */
  deadline: DeadlineJob;
  /** Update the matter cards posted on the chat platforms after the matter moved. */
  /** `eventId`: the platform event that moved it (a card the person pressed was edited in the same turn). */
  card_refresh: { matterId: string; eventId?: string };
  /** 主动服务: release a broadcast (its scheduled time came, or it was approved), or show its author how it goes. */
  /** 回访 (`follow_up`): a matter settled days ago, looked at again: its officer is reminded when it needs it. */
  /** 节日贺词 (`yearly`): a yearly one's day came (its job scheduler fired): this year's copy goes out. `plan_yearly`: the yearly ones' schedulers are made to match the store. */
  broadcast: { broadcastId: string; op: 'release' | 'progress' | 'yearly' } | { op: 'follow_up'; matterId: string; settledAt: string } | { op: 'plan_yearly' };
}

export type JobName = keyof JobMap;
export const JOB_NAMES = ['inbound', 'route', 'send', 'chat', 'report_in_due', 'sweep', 'digest', 'deadline', 'card_refresh', 'broadcast'] as const satisfies readonly JobName[];

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

/** A timer carries what it was set for; under the matter's lock a timer that no longer fits does nothing. */
export interface DeadlineTimer {
  op: 'fire';
  matterId: string;
  limit: LimitKind;
  version: number;
  phase: TimerPhase;
  /** ISO time it is due. */
  at: string;
  step: Step;
  level: MatterLevel;
  assigneeId: string | null;
}

/** One delayed job per due second: when it fires, every deadline due by then is settled together. */
export interface DeadlineTick {
  op: 'tick';
  /** ISO time of the second it is for. */
  at: string;
}

/** A limit passed (its miss is recorded): the matter climbs, if it still stands where the clock left it. */
export interface DeadlineClimb {
  op: 'climb';
  matterId: string;
  limit: LimitKind;
  /** The version of the clock that fired. */
  version: number;
  /** Where the matter stood when the miss was recorded: a matter moved since does not climb. */
  step: Step;
  level: MatterLevel;
  assigneeId: string | null;
}

export type DeadlineJob = DeadlineTimer | DeadlineTick | DeadlineClimb | { op: 'cancel'; jobIds: string[] };

/** One id per matter, limit, version and phase (BullMQ refuses ':' in ids). */
export function deadlineJobId(t: Pick<DeadlineTimer, 'matterId' | 'limit' | 'version' | 'phase'>): string {
  return `dl-${t.matterId}-${t.limit}-${t.version}-${t.phase}`;
}

/** The due second a time falls in, rounded up (a tick never fires before what it settles is due). */
export function tickSecond(at: Date | string): number {
  return Math.ceil(new Date(at).getTime() / 1000);
}

/**
 * How long before its second a tick is queued. It does its work in that time and commits at the
 * second (settleDueDeadlines). Redis also wakes a worker blocked on delayed jobs on its own beat
 * (`hz`, ten times a second by default), so a delayed job may start up to ~100 ms after its time.
 */
export const TICK_LEAD_MS = 1000;

/** When the tick of a due second is queued to start (TICK_LEAD_MS before the second). */
export function tickRunAt(second: number): Date {
  return new Date(second * 1000 - TICK_LEAD_MS);
}

/** One tick per due second. */
export function tickJobId(at: Date | string): string {
  return `tick-${tickSecond(at)}`;
}

export function climbJobId(c: Pick<DeadlineClimb, 'matterId' | 'limit' | 'version'>): string {
  return `climb-${c.matterId}-${c.limit}-${c.version}`;
}

/**
 * Where a kind of job names its own id and run time (the outbox relay falls back to the row's id,
 * at once). `now`: the relay's time. A tick relayed after its second (the queue was away) gets an
 * id of that relay pass: the tick of that second may have run already, and an id it still holds
 * would make the late one a no-op.
 */
export const JOB_PLACEMENT: { [N in JobName]?: (data: JobMap[N], now: number) => { jobId: string; runAt: Date } | null } = {
  deadline: (d, now) => {
    if (d.op === 'fire') return { jobId: deadlineJobId(d), runAt: new Date(d.at) };
    if (d.op === 'climb') return { jobId: climbJobId(d), runAt: new Date(now) };
    if (d.op === 'tick') {
      const second = tickSecond(d.at);
      return { jobId: second * 1000 > now ? tickJobId(d.at) : `${tickJobId(d.at)}-late-${now}`, runAt: tickRunAt(second) };
    }
    return null;
  },
  send: (d) => (d.at ? { jobId: `later-${d.recipient.replace(/[^\w.-]/g, '_')}-${Date.parse(d.at)}`, runAt: new Date(d.at) } : null),
};

/**
 * Jobs removed as soon as they complete: a tick, whose id names its second, must not block the
 * tick of the same second added again later (a clock set after a restart, a test's clock).
 */
export const JOB_FORGOTTEN_WHEN_DONE: { [N in JobName]?: (data: JobMap[N]) => boolean } = {
  deadline: (d) => d.op === 'tick',
};

/** BullMQ priority of a job (1 first; a job without one goes before every job with one). */
export const JOB_PRIORITY: { [N in JobName]?: (data: JobMap[N]) => number | undefined } = {
  // A broadcast of thousands never holds up a villager's receipt or an officer's new matter; nor
  // does an officer's later news (a job without a priority goes before every job with one).
  send: (d) => (d.lane === 'broadcast' || d.lane === 'bulk' ? BROADCAST_PRIORITY : d.lane === 'notice' ? NOTICE_PRIORITY : undefined),
};
export const NOTICE_PRIORITY = 5;
export const BROADCAST_PRIORITY = 10;

/** The lane of a send job for the most urgent class in its queue (answers, receipts and first notices: none, they go first). */
export function sendLane(c: SendClass): JobMap['send']['lane'] {
  return c === 'bulk' ? 'bulk' : c === 'notice' ? 'notice' : undefined;
}

declare const typedRow: unique symbol;

/** An outbox row made by `outboxJob`: the only kind `enqueue` takes. */
export interface OutboxJob {
  readonly queue: JobName;
  readonly job: JobName;
  readonly payload: Record<string, unknown>;
  readonly runAt: Date | null;
  readonly [typedRow]: true;
}

/** The outbox row for one job and its typed data; `runAt` delays it (default: at once). */
export function outboxJob<N extends JobName>(name: N, data: JobMap[N], opts: { runAt?: Date | null } = {}): OutboxJob {
  return { queue: name, job: name, payload: data as unknown as Record<string, unknown>, runAt: opts.runAt ?? null } as OutboxJob;
}
