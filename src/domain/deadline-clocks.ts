// A matter's deadline clocks, one per limit, and how they follow the matter as it moves. Pure:
// the service stores the clocks and turns each change into timer jobs.
import { deadlinesFrom, warningAt, type DeadlineRules, type LimitKind, LIMIT_KINDS } from './deadlines.js';
import { resolveTimeLimit, type TimeLimitPolicy } from './time-limits.js';
import type { Category, MatterLevel, MatterState, Size, Step } from './types.js';

export const CLOCK_STATUSES = ['running', 'paused', 'fired', 'stopped'] as const;
export type ClockStatus = (typeof CLOCK_STATUSES)[number];
export const TIMER_PHASES = ['warn', 'due'] as const;
export type TimerPhase = (typeof TIMER_PHASES)[number];

export interface Clock {
  kind: LimitKind;
  status: ClockStatus;
  /** Names the live timer: a timer of another version is stale. */
  version: number;
  startedAt: Date;
  /** Includes the time spent paused. */
  dueAt: Date;
  warnAt: Date;
  pausedMs: number;
  pausedAt: Date | null;
  /** Where the matter stood when the timer was set. */
  step: Step;
  level: MatterLevel;
  assigneeId: string | null;
  warnedAt: Date | null;
  firedAt: Date | null;
}

/** What the clocks read from a matter. */
export interface ClockedMatter {
  state: MatterState;
  step: Step;
  level: MatterLevel;
  category: Category;
  size: Size;
  assigneeId: string | null;
  createdAt: Date;
  dispatchedAt: Date | null;
  handledAt: Date | null;
  trackedAt: Date | null;
  supervisedAt: Date | null;
}

/**
 * Whether a limit's clock runs for the matter as it stands: accept until someone takes it, reply
 * until the first reply (for good: a later message from the villager does not start it again),
 * settle while it is open.
 */
export function clockRuns(kind: LimitKind, m: Pick<ClockedMatter, 'state' | 'step' | 'trackedAt'>): boolean {
  if (m.state !== 'open') return false;
  switch (kind) {
    case 'accept':
      return m.step === 'accept' || m.step === 'dispatch';
    case 'reply':
      return m.trackedAt === null && (m.step === 'handle' || m.step === 'supervise');
    case 'settle':
      return m.step !== 'discover';
  }
}

/** Where a clock starts when it first appears: the report for accept, arrival at the level for settle. */
function anchor(kind: LimitKind, m: ClockedMatter, now: Date): Date {
  const at = kind === 'accept' ? m.createdAt : kind === 'reply' ? (m.handledAt ?? now) : m.level === 'unit' ? m.createdAt : (m.supervisedAt ?? m.dispatchedAt ?? m.createdAt);
  return at < now ? at : now;
}

export interface ClockPlanInput {
  matter: ClockedMatter;
  clocks: readonly Clock[];
  policies: readonly TimeLimitPolicy[];
  rules: DeadlineRules;
  now: Date;
  /** Start every clock again (an escalation, a transfer, a reopening). */
  restart?: boolean;
  /** Since when the matter waits on the villager; null when it does not. */
  pausedSince: Date | null;
}

export interface ClockChange {
  next: Clock;
  /** Timer jobs to add for `next.version`. */
  schedule: TimerPhase[];
  /** A version whose timer jobs are now superseded, to remove from the queue. */
  supersedes: number | null;
  /** The first settle clock of a dispute that came in the night: the village is told at once. */
  overnight: boolean;
}

const sameTime = (a: Date | null, b: Date | null) => (a?.getTime() ?? null) === (b?.getTime() ?? null);

/**
 * The clocks that change, and how. A clock starts a new round (from now, with a fresh warning)
 * on `restart`, when the matter changes hands (another assignee or level), or when a stopped
 * limit applies again; otherwise it keeps its start and its due time is computed again from
 * the current policy, so a changed or removed policy takes effect on open matters. A clock that
 * fired stays fired until the next round.
 */
export function planClocks(input: ClockPlanInput): ClockChange[] {
  const { matter: m, now, pausedSince } = input;
  const policy = resolveTimeLimit(input.policies, { category: m.category, size: m.size, level: m.level });
  const changes: ClockChange[] = [];
  for (const kind of LIMIT_KINDS) {
    const prev = input.clocks.find((c) => c.kind === kind);
    const live = prev?.status === 'running' || prev?.status === 'paused';
    if (!clockRuns(kind, m)) {
      if (prev && live) changes.push({ next: { ...prev, status: 'stopped' }, schedule: [], supersedes: prev.status === 'running' ? prev.version : null, overnight: false });
      continue;
    }
    const handsChanged = prev !== undefined && prev.status !== 'stopped' && prev.assigneeId !== null && (prev.assigneeId !== m.assigneeId || prev.level !== m.level);
    const newRound = input.restart === true || prev === undefined || prev.status === 'stopped' || handsChanged;
    if (!newRound && prev.status === 'fired') continue;

    const startedAt = !newRound ? prev.startedAt : prev === undefined && !input.restart ? anchor(kind, m, now) : now;
    const base = deadlinesFrom(startedAt, policy, m.category, input.rules);
    let pausedMs = newRound ? 0 : prev.pausedMs;
    let pausedAt: Date | null = null;
    if (pausedSince) pausedAt = !newRound && prev.status === 'paused' && prev.pausedAt ? prev.pausedAt : now;
    else if (!newRound && prev.status === 'paused' && prev.pausedAt) pausedMs += Math.max(0, now.getTime() - prev.pausedAt.getTime());
    const next: Clock = {
      kind,
      status: pausedSince ? 'paused' : 'running',
      version: prev?.version ?? 0,
      startedAt,
      dueAt: new Date(base[kind].getTime() + pausedMs),
      warnAt: new Date(warningAt(startedAt, base[kind]).getTime() + pausedMs),
      pausedMs,
      pausedAt,
      step: m.step,
      level: m.level,
      assigneeId: m.assigneeId,
      warnedAt: newRound ? null : prev.warnedAt,
      firedAt: newRound ? null : prev.firedAt,
    };
    const same =
      !newRound &&
      prev.status === next.status &&
      sameTime(prev.dueAt, next.dueAt) &&
      sameTime(prev.warnAt, next.warnAt) &&
      prev.level === next.level &&
      prev.assigneeId === next.assigneeId;
    if (same) continue;
    next.version = (prev?.version ?? 0) + 1;
    const schedule: TimerPhase[] = next.status !== 'running' ? [] : next.warnedAt === null && next.warnAt < next.dueAt ? ['warn', 'due'] : ['due'];
    changes.push({ next, schedule, supersedes: prev?.status === 'running' ? prev.version : null, overnight: kind === 'settle' && prev === undefined && base.overnight });
  }
  return changes;
}
