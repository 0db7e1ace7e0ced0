// Keeps a matter's deadline clocks in step with the matter, in the transaction that moves it: the
// clock rows and the ticks of the seconds they fall due in (through the outbox, so a timer is set
// exactly when its state change commits). Also the pause (waiting on the villager) and the
// dispute cut-off of a grid.
import {
  climbReasonKey,
  DEFAULT_DEADLINE_RULES,
  DEFAULT_DISPUTE_CUTOFF,
  planClocks,
  type Action,
  type Category,
  type Clock,
  type ClockStatus,
  type DeadlineRules,
  type LimitKind,
  type TimeLimitPolicy,
  type TimerPhase,
} from '../domain/index.js';
import { tickSecond, type DeadlineTimer } from '../ports/jobs.js';
import type { Executor } from '../store/db.js';
import { clocksOf, disputeCutoffOf, endPause, pausedSince, saveClocks, startPause, type ClockRow, type NewClockRow } from '../store/repositories/deadline-repository.js';
import { findNode } from '../store/repositories/grid-repository.js';
import type { MatterRow } from '../store/repositories/matter-repository.js';
import { enqueue } from '../store/repositories/outbox-repository.js';
import { outboxJob, type OutboxJob } from '../ports/jobs.js';
import { alertDeliveries, writeDeliveries } from './alert-service.js';

/** The grid's zone and, for disputes, its cut-off (a node without one uses 20:00 / 09:00). */
export async function deadlineRules(db: Executor, unit: { id: string; timezone: string } | null | undefined, category: Category): Promise<DeadlineRules> {
  const timezone = unit?.timezone ?? DEFAULT_DEADLINE_RULES.timezone;
  if (category !== 'dispute' || !unit) return { timezone, disputeCutoff: DEFAULT_DISPUTE_CUTOFF };
  const row = await disputeCutoffOf(db, unit.id);
  return { timezone, disputeCutoff: row ? { evening: row.evening, morning: row.morning } : DEFAULT_DISPUTE_CUTOFF };
}

export function toClock(row: ClockRow): Clock {
  return { ...row, kind: row.kind as LimitKind, status: row.status as ClockStatus };
}

export function clockRow(matterId: string, c: Clock): NewClockRow {
  return { matterId, ...c };
}

export function timerPayload(matterId: string, c: Clock, phase: TimerPhase): DeadlineTimer {
  return {
    op: 'fire',
    matterId,
    limit: c.kind,
    version: c.version,
    phase,
    at: (phase === 'warn' ? c.warnAt : c.dueAt).toISOString(),
    step: c.step,
    level: c.level,
    assigneeId: c.assigneeId,
  };
}

export const timerOutbox = (payload: DeadlineTimer): OutboxJob => outboxJob('deadline', payload);

/**
 * The timer jobs of a clock's phases: the tick of the second each falls due in (shared by every
 * clock due in it), or, for one already due, its own timer that runs at once.
 */
export function clockTimers(matterId: string, c: Clock, phases: readonly TimerPhase[], now: Date): OutboxJob[] {
  return phases.map((phase) => {
    const timer = timerPayload(matterId, c, phase);
    return Date.parse(timer.at) > now.getTime() ? outboxJob('deadline', { op: 'tick', at: new Date(tickSecond(timer.at) * 1000).toISOString() }) : timerOutbox(timer);
  });
}

export interface SyncOptions {
  now: Date;
  policies: readonly TimeLimitPolicy[];
  /** Loaded from the matter's grid when absent. */
  rules?: DeadlineRules;
  /** A new round for every clock: an escalation, a transfer, a reopening. */
  restart?: boolean;
  /** Loaded when undefined. */
  pausedSince?: Date | null;
  /** The matter's clocks as stored; loaded when absent. */
  clocks?: Clock[];
}

export interface SyncResult {
  /** The running (or paused) settle clock's due time: what the matter shows as its time limit. */
  settleDue: Date | null;
  /** The limits whose clock changed. */
  changed: LimitKind[];
  /** Whether outbox rows were written (the caller kicks the relay after commit). */
  wroteOutbox: boolean;
}

/**
 * Brings the matter's clocks in line with `matter` as it now stands (pass it with the pending
 * patch applied). Call under the matter's row lock, in the transaction that moved it.
 */
export async function syncDeadlines(tx: Executor, matter: MatterRow, opts: SyncOptions): Promise<SyncResult> {
  const [stored, paused, rules] = await Promise.all([
    opts.clocks ?? clocksOf(tx, matter.id).then((rows) => rows.map(toClock)),
    opts.pausedSince !== undefined ? opts.pausedSince : pausedSince(tx, matter.id),
    opts.rules ?? findNode(tx, matter.gridNodeId).then((unit) => deadlineRules(tx, unit, matter.category)),
  ]);
  const changes = planClocks({ matter, clocks: stored, policies: opts.policies, rules, now: opts.now, restart: opts.restart, pausedSince: paused });
  const after = new Map(stored.map((c) => [c.kind, c]));
  for (const c of changes) after.set(c.next.kind, c.next);
  const settle = after.get('settle');
  const result: SyncResult = {
    settleDue: settle && (settle.status === 'running' || settle.status === 'paused') ? settle.dueAt : null,
    changed: changes.map((c) => c.next.kind),
    wroteOutbox: false,
  };
  if (!changes.length) return result;

  // A superseded clock's tick needs no removal: a tick settles the clocks as they stand when it fires.
  const outbox: OutboxJob[] = changes.flatMap((c) => clockTimers(matter.id, c.next, c.schedule, opts.now));
  await saveClocks(tx, changes.map((c) => clockRow(matter.id, c.next)));
  if (outbox.length) await enqueue(tx, outbox);
  result.wroteOutbox = outbox.length > 0;

  // 纠纷不过夜: a dispute reported in the night is due in the morning, and the village knows at once.
  const overnight = changes.find((c) => c.overnight);
  if (overnight) {
    const unit = await findNode(tx, matter.gridNodeId);
    const village = unit?.parentId ? await findNode(tx, unit.parentId) : undefined;
    if (village) {
      const rows = await alertDeliveries(tx, { node: village, template: 'dispute_overnight', params: { grid: unit!.name, dueAt: overnight.next.dueAt.toISOString() }, matter, now: opts.now, atOnce: true });
      if (await writeDeliveries(tx, rows)) result.wroteOutbox = true;
    }
  }
  return result;
}

export type PauseOutcome =
  | { ok: true; pausedSince: Date | null; event?: { action: 'pause' | 'resume'; data?: Record<string, unknown> } }
  | { ok: false };

/**
 * The pause bookkeeping of an action. 'pause' starts waiting on the villager; 'resume', the
 * villager's answer (add_info) or a change of hands (transfer, escalate) ends it; settling or
 * withdrawing ends it quietly (the clocks stop anyway). Refused (ok: false) for a pause while
 * paused or a resume while not.
 */
export async function pauseFor(tx: Executor, matterId: string, action: Action, actorId: string | null, now: Date): Promise<PauseOutcome> {
  const since = await pausedSince(tx, matterId);
  const end = async (data?: Record<string, unknown>): Promise<PauseOutcome> => {
    await endPause(tx, matterId);
    return { ok: true, pausedSince: null, ...(data ? { event: { action: 'resume' as const, data: { ...data, pausedMinutes: Math.round((now.getTime() - since!.getTime()) / 60_000) } } } : {}) };
  };
  switch (action) {
    case 'pause':
      if (since) return { ok: false };
      await startPause(tx, matterId, now, actorId);
      return { ok: true, pausedSince: now, event: { action: 'pause' } };
    case 'resume':
      return since ? end({ by: actorId ? 'hand' : 'system' }) : { ok: false };
    case 'add_info':
      return since ? end({ by: 'villager' }) : { ok: true, pausedSince: null };
    case 'transfer':
    case 'escalate':
      return since ? end({ by: action }) : { ok: true, pausedSince: null };
    case 'settle':
    case 'withdraw':
      return since ? end() : { ok: true, pausedSince: null };
    default:
      return { ok: true, pausedSince: since };
  }
}

/** Locale keys for a timer's escalation: the reason in the recipient's language, and "the system" as who escalated. */
export function missedLimitParams(missed: LimitKind, category: Category): { reasonKey: string; fromKey: string } {
  return { reasonKey: climbReasonKey({ kind: 'missed', limit: missed, dispute: category === 'dispute' }), fromKey: 'ladder:from_timer' };
}
