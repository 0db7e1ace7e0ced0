// What the deadline jobs do, and the repair pass that puts back the ticks a queue lost. Most
// deadlines are settled by the tick of their due second (deadline-ticks.ts), which records a miss
// and queues its climb; the climb escalates through performAction, the same path as an
// escalation by hand. A single timer (a deadline already due when its clock was set, or one a tick
// handed on) acts only if, under the matter's row lock, its clock still runs at the version it
// was set for and is due under the current policy; otherwise it does nothing (or sets the clock's
// new time). At 75% it warns the assignee; at 100% it records `deadline_missed` and escalates.
import { sendJobs } from './send-jobs.js';
import { randomUUID } from 'node:crypto';
import { climb, coveringLimit, DEFAULT_DISPUTE_CUTOFF, planClocks, type Clock, type LimitKind, type TimeLimitPolicy } from '../domain/index.js';
import { t } from '../i18n/index.js';
import { climbJobId, tickSecond, type DeadlineClimb, type DeadlineJob, type DeadlineTimer, type JobOutcome } from '../ports/jobs.js';
import type { Executor } from '../store/db.js';
import { createDeliveries } from '../store/repositories/delivery-repository.js';
import { clocksOf, clocksOfMatters, markClock, mattersWithLiveClocks, openMattersWithoutClocks, saveClocks, type ClockedMatterRow } from '../store/repositories/deadline-repository.js';
import { ancestry, findNode } from '../store/repositories/grid-repository.js';
import { appendEvents, findMatter, lockMatter, type MatterRow } from '../store/repositories/matter-repository.js';
import { enqueue } from '../store/repositories/outbox-repository.js';
import { alertDeliveries, writeDeliveries } from './alert-service.js';
import { withCardActions } from './card-service.js';
import type { ServiceContext } from '../ports/context.js';
import { clockRow, clockTimers, missedLimitParams, syncDeadlines, toClock } from './deadline-sync.js';
import { settleDueDeadlines } from './deadline-ticks.js';
import { performAction } from './matter-actions.js';
import { policies } from './policy-cache.js';

export interface TimerQueue {
  /** Removes waiting jobs by id; returns how many were removed. */
  remove(jobIds: string[]): Promise<number>;
  /**
   * Adds the ticks of these due seconds under their ids (one still waiting is left as it is), and
   * with `catchUp` one tick at once for the deadlines already due.
   */
  addTicks(seconds: number[], now: Date, catchUp: boolean): Promise<void>;
}

/** A single timer this early (clock skew between processes) still counts as due. */
const EARLY_MS = 1000;

/** 'covered': a later limit falls due at the same time; that one warns and climbs (coveringLimit). */
type Verdict = 'due' | 'stale' | 'rescheduled' | 'moved_on' | 'covered';

export async function handleDeadlineJob(ctx: ServiceContext, queue: Pick<TimerQueue, 'remove'>, job: DeadlineJob): Promise<JobOutcome> {
  switch (job.op) {
    case 'tick':
      return settleDueDeadlines(ctx, alertMissInPlace, job.at);
    case 'climb':
      return climbAfterMiss(ctx, job);
    case 'cancel':
      return { outcome: 'cancelled', removed: await queue.remove(job.jobIds) };
    default:
      return job.phase === 'warn' ? warnDeadline(ctx, job) : fireDeadline(ctx, job);
  }
}

/**
 * The climb a recorded miss queued. Once (the climb's id is its event id), and only while the
 * matter stands where the miss found it, its clock still fired at that version: a matter taken,
 * answered, moved or settled in between does not climb (the miss stays on its record).
 */
async function climbAfterMiss(ctx: ServiceContext, job: DeadlineClimb): Promise<JobOutcome> {
  const found = await findMatter(ctx.db, job.matterId);
  if (!found) return { outcome: 'missing' };
  const guard = async (tx: Executor, matter: MatterRow): Promise<boolean> => {
    if (matter.step !== job.step || matter.level !== job.level || matter.assigneeId !== job.assigneeId) return false;
    const clock = (await clocksOf(tx, matter.id)).find((c) => c.kind === job.limit);
    return clock?.status === 'fired' && clock.version === job.version;
  };
  const { reasonKey } = missedLimitParams(job.limit, found.category);
  const r = await performAction(ctx, { matter: job.matterId, actorId: null, eventId: climbJobId(job), request: { action: 'escalate', reason: t('zh-CN', reasonKey), missed: job.limit }, guard });
  if (r.ok) return r.duplicate ? { outcome: 'stale' } : { outcome: 'escalated', limit: job.limit, level: r.matter.level, assigneeId: r.matter.assigneeId };
  return { outcome: r.code === 'not_found' ? 'missing' : 'moved_on' };
}

/**
 * Whether the timer still stands, under the matter's lock. The clocks are brought in line with
 * the matter and the current policy first: when that moves this timer's clock the answer is
 * 'rescheduled' (its new timer is in the outbox), or 'moved_on' when the clock stopped.
 */
async function checkTimer(tx: Executor, matter: MatterRow, job: DeadlineTimer, now: Date, limits: readonly TimeLimitPolicy[]): Promise<Verdict> {
  const clocks = (await clocksOf(tx, matter.id)).map(toClock);
  const clock = clocks.find((c) => c.kind === job.limit);
  if (!clock || clock.version !== job.version || clock.status !== 'running') return 'stale';
  if (job.phase === 'warn' && clock.warnedAt) return 'stale';
  const synced = await syncDeadlines(tx, matter, { now, policies: limits, clocks });
  if (synced.changed.includes(job.limit)) {
    const next = (await clocksOf(tx, matter.id)).find((c) => c.kind === job.limit);
    return next?.status === 'running' ? 'rescheduled' : 'moved_on';
  }
  const at = job.phase === 'warn' ? clock.warnAt : clock.dueAt;
  if (at.getTime() - now.getTime() > EARLY_MS) {
    // Fired early (a clock moved by hand, a queue on another clock): set it again for its time.
    const next: Clock = { ...clock, version: clock.version + 1 };
    await saveClocks(tx, [clockRow(matter.id, next)]);
    await enqueue(tx, clockTimers(matter.id, next, next.warnedAt ? ['due'] : ['warn', 'due'], now));
    return 'rescheduled';
  }
  if (coveringLimit(job.limit, clocks)) {
    await markClock(tx, matter.id, job.limit, job.phase === 'warn' ? { warnedAt: now } : { status: 'fired', firedAt: now });
    return 'covered';
  }
  return 'due';
}

async function recordMiss(tx: Executor, matter: MatterRow, job: DeadlineTimer, now: Date): Promise<void> {
  await markClock(tx, matter.id, job.limit, { status: 'fired', firedAt: now });
  await appendEvents(tx, [
    {
      matterId: matter.id,
      at: now,
      actorId: null,
      action: 'deadline_missed',
      stepFrom: matter.step,
      stepTo: matter.step,
      levelFrom: matter.level,
      levelTo: matter.level,
      assigneeId: matter.assigneeId,
      data: { limit: job.limit, dueAt: job.at, version: job.version },
    },
  ]);
}

async function fireDeadline(ctx: ServiceContext, job: DeadlineTimer): Promise<JobOutcome> {
  const now = ctx.now();
  const limits = await policies(ctx.db);
  const seen: { verdict?: Verdict } = {};
  const guard = async (tx: Executor, matter: MatterRow): Promise<boolean> => {
    seen.verdict = await checkTimer(tx, matter, job, now, limits);
    if (seen.verdict !== 'due') return false;
    await recordMiss(tx, matter, job, now);
    return true;
  };
  const found = await findMatter(ctx.db, job.matterId);
  if (!found) return { outcome: 'missing' };
  const { reasonKey } = missedLimitParams(job.limit, found.category);
  const r = await performAction(ctx, { matter: job.matterId, actorId: null, request: { action: 'escalate', reason: t('zh-CN', reasonKey), missed: job.limit }, guard });
  if (r.ok) return { outcome: 'escalated', limit: job.limit, level: r.matter.level, assigneeId: r.matter.assigneeId };
  if (seen.verdict) {
    if (seen.verdict === 'rescheduled') ctx.outboxWritten();
    return { outcome: seen.verdict };
  }
  if (r.code === 'not_found') return { outcome: 'missing' };
  // Escalation does not apply where the matter stands (never routed): record the miss, alert the level above.
  return missWithoutClimb(ctx, job, now, limits);
}

async function missWithoutClimb(ctx: ServiceContext, job: DeadlineTimer, now: Date, limits: readonly TimeLimitPolicy[]): Promise<JobOutcome> {
  return whenDue(ctx, job, now, limits, async (tx, matter) => {
    await recordMiss(tx, matter, job, now);
    const alerted = await alertLevelAbove(tx, matter, job.limit, now);
    return { outcome: { outcome: 'missed', limit: job.limit, alerted: alerted.level }, wrote: alerted.wrote };
  });
}

/** A missed limit where the matter cannot climb (never routed): the level above is alerted. */
async function alertLevelAbove(tx: Executor, matter: MatterRow, limit: LimitKind, now: Date): Promise<{ level: string | null; wrote: boolean }> {
  const unit = await findNode(tx, matter.gridNodeId);
  const chain = unit ? await ancestry(tx, unit) : [];
  const alertNode = chain.find((n) => n.level === climb(matter.size, matter.level).alert);
  if (!alertNode) return { level: null, wrote: false };
  const { reasonKey } = missedLimitParams(limit, matter.category);
  const rows = await alertDeliveries(tx, { node: alertNode, template: 'escalation_alert', params: { grid: unit?.name ?? '', level: matter.level, reason: t('zh-CN', reasonKey), reasonKey }, matter, now });
  await withCardActions(tx, matter, rows);
  return { level: alertNode.level, wrote: await writeDeliveries(tx, rows) };
}

const alertMissInPlace = async (tx: Executor, matter: MatterRow, limit: LimitKind, now: Date): Promise<boolean> => (await alertLevelAbove(tx, matter, limit, now)).wrote;

async function warnDeadline(ctx: ServiceContext, job: DeadlineTimer): Promise<JobOutcome> {
  const now = ctx.now();
  const limits = await policies(ctx.db);
  return whenDue(ctx, job, now, limits, async (tx, matter) => {
    await markClock(tx, matter.id, job.limit, { warnedAt: now });
    if (!matter.assigneeId) return { outcome: { outcome: 'no_assignee' }, wrote: false };
    // The limit's own due time, not the warning's.
    const clock = (await clocksOf(tx, matter.id)).find((c) => c.kind === job.limit);
    const id = randomUUID();
    await createDeliveries(tx, [
      {
        id,
        personId: matter.assigneeId,
        matterId: matter.id,
        template: 'deadline_warning',
        params: { ref: matter.ref, category: matter.category, summary: matter.summary, dueAt: (clock?.dueAt ?? new Date(job.at)).toISOString(), limitKey: `ladder:limit.${job.limit}` },
      },
    ]);
    await enqueue(tx, sendJobs([{ personId: matter.assigneeId, template: 'deadline_warning' }]));
    return { outcome: { outcome: 'warned', limit: job.limit }, wrote: true };
  });
}

/**
 * Runs `fn` under the matter's lock when the timer still fits the matter; otherwise says why not
 * (a timer that was rescheduled wrote to the outbox). Tells the relay when anything was written.
 */
async function whenDue(
  ctx: ServiceContext,
  job: DeadlineTimer,
  now: Date,
  limits: readonly TimeLimitPolicy[],
  fn: (tx: Executor, matter: MatterRow) => Promise<{ outcome: JobOutcome; wrote: boolean }>,
): Promise<JobOutcome> {
  let wrote = false;
  const outcome = await ctx.db.transaction(async (tx): Promise<JobOutcome> => {
    const matter = await lockMatter(tx, job.matterId);
    if (!matter) return { outcome: 'missing' };
    const verdict = await checkTimer(tx, matter, job, now, limits);
    if (verdict !== 'due') {
      wrote = verdict === 'rescheduled';
      return { outcome: verdict };
    }
    const r = await fn(tx, matter);
    wrote = r.wrote;
    return r.outcome;
  });
  if (wrote) ctx.outboxWritten();
  return outcome;
}

/** Brings one matter's clocks in line with it, in its own transaction. */
async function syncMatter(ctx: ServiceContext, matterId: string, now: Date, limits: readonly TimeLimitPolicy[]): Promise<boolean> {
  const wrote = await ctx.db.transaction(async (tx) => {
    const matter = await lockMatter(tx, matterId);
    return matter ? (await syncDeadlines(tx, matter, { now, policies: limits })).wroteOutbox : false;
  });
  if (wrote) ctx.outboxWritten();
  return wrote;
}

export interface ReconcileOptions {
  /** Put back the timers of running clocks (at start: a queue may have lost them). Omit to only recompute. */
  queue?: Pick<TimerQueue, 'addTicks'>;
  pageSize?: number;
  /** Checked between pages: stop early when the runtime closes. */
  stopped?: () => boolean;
}

export interface ReconcileSummary {
  /** Open matters that had no clock at all. */
  created: number;
  /** Matters whose clocks a changed policy or cut-off moved. */
  recomputed: number;
  /** Ticks put back (an id still waiting in the queue is left as it is), the one at once included. */
  requeued: number;
}

/**
 * The repair pass. Gives clocks to open matters that have none; computes every live clock again
 * from the current policies and cut-offs (after a roster import); and, with a queue, adds the
 * tick of every running clock's due second again under its id, so ticks a queue lost come back
 * and those still waiting are untouched, and one tick at once for what is due already.
 */
export async function reconcileDeadlines(ctx: ServiceContext, opts: ReconcileOptions = {}): Promise<ReconcileSummary> {
  const pageSize = opts.pageSize ?? 500;
  const now = ctx.now();
  const limits = await policies(ctx.db);
  const summary: ReconcileSummary = { created: 0, recomputed: 0, requeued: 0 };

  const tried = new Set<string>();
  for (;;) {
    const ids = (await openMattersWithoutClocks(ctx.db, pageSize)).filter((id) => !tried.has(id));
    if (!ids.length || opts.stopped?.()) break;
    for (const id of ids) {
      tried.add(id);
      await syncMatter(ctx, id, now, limits);
      summary.created++;
    }
  }

  // The ticks of every running clock's due seconds, and one at once when some are due already.
  const seconds = new Set<number>();
  let catchUp = false;
  let after: string | null = null;
  while (!opts.stopped?.()) {
    const page: ClockedMatterRow[] = await mattersWithLiveClocks(ctx.db, after, pageSize);
    if (!page.length) break;
    after = page[page.length - 1]!.id;
    const clocks = await clocksOfMatters(ctx.db, page.map((m) => m.id));
    for (const m of page) {
      const mine = clocks.filter((c) => c.matterId === m.id).map(toClock);
      const rules = { timezone: m.timezone, disputeCutoff: m.evening && m.morning ? { evening: m.evening, morning: m.morning } : DEFAULT_DISPUTE_CUTOFF };
      if (planClocks({ matter: m, clocks: mine, policies: limits, rules, now, pausedSince: m.pausedAt }).length) {
        await syncMatter(ctx, m.id, now, limits);
        summary.recomputed++;
        continue;
      }
      for (const c of mine) {
        if (c.status !== 'running') continue;
        for (const at of !c.warnedAt && c.warnAt < c.dueAt ? [c.warnAt, c.dueAt] : [c.dueAt]) {
          if (at.getTime() > now.getTime()) seconds.add(tickSecond(at));
          else catchUp = true;
        }
      }
    }
  }
  if (opts.queue && (seconds.size || catchUp)) {
    await opts.queue.addTicks([...seconds], now, catchUp);
    summary.requeued = seconds.size + (catchUp ? 1 : 0);
  }
  if (summary.created || summary.recomputed) ctx.logger.info(summary, 'deadline clocks reconciled');
  return summary;
}
