// The tick of a due second: every deadline due by then is settled together, a page of matters per
// transaction, with set-based writes. Under the matters' row locks (taken in id order) the clocks
// are read again: a warning at 75% is marked and sent to the holder; a missed limit is marked
// fired, recorded (`deadline_missed`) and its climb queued through the outbox in the same commit,
// so a recorded miss always climbs unless the matter moved meanwhile (climbAfterMiss). A clock the
// current policy or the matter's cut-off would place elsewhere is handed to its own timer, which
// sets it again (checkTimer). Every step is idempotent: a tick run twice, or two ticks at once,
// find the clocks already marked.
import { randomUUID } from 'node:crypto';
import { decide, dueTimers, DEFAULT_DISPUTE_CUTOFF, planClocks, type Clock, type DueTimer, type TimeLimitPolicy } from '../domain/index.js';
import { outboxJob, TICK_LEAD_MS, tickSecond, type JobOutcome, type OutboxJob } from '../ports/jobs.js';
import type { ServiceContext } from '../ports/context.js';
import type { Executor } from '../store/db.js';
import { clocksOfMatters, lockMattersWithClockRules, mattersWithDueClocks, writeTickPage, type ClockMark } from '../store/repositories/deadline-repository.js';
import { createDeliveries, type NewDelivery } from '../store/repositories/delivery-repository.js';
import type { MatterRow, NewMatterEvent } from '../store/repositories/matter-repository.js';
import { timerOutbox, timerPayload, toClock } from './deadline-sync.js';
import { policies } from './policy-cache.js';
import { sendJobs } from './send-jobs.js';

/** Matters settled per transaction (locked from when the work starts, up to a second before their second, until the commit). */
const PAGE = 2000;
/** Pages settled at once. */
const PAGES_AT_ONCE = 3;

export interface TickTally {
  warned: number;
  missed: number;
  /** Marked without a word to anyone (coveringLimit, or a warning whose limit passed with it). */
  quiet: number;
  /** Handed to their own timer: the clock stands elsewhere under the current policy. */
  handedOn: number;
}

/** A missed limit the tick recorded whose matter cannot climb (never routed): the level above is alerted in the same transaction. */
export type MissedInPlace = (tx: Executor, matter: MatterRow, limit: DueTimer['kind'], now: Date) => Promise<boolean>;

/** The longest a tick that started before its lead waits (the clocks of two processes apart). */
const MAX_EARLY_MS = 1000;

/**
 * Settles every deadline due by the tick's second (`at` rounds up to it), or by now when that is
 * later. A tick is queued TICK_LEAD_MS before its second. On Postgres it locks, reads, decides and
 * writes its pages ahead and commits each when the second comes, so the misses are recorded at
 * the second, not after the work. An officer acting on one of those matters in that last second
 * waits for the commit and finds the miss recorded, as he would a moment after it.
 */
export async function settleDueDeadlines(ctx: ServiceContext, alertInPlace: MissedInPlace, at: string): Promise<JobOutcome> {
  const second = tickSecond(at) * 1000;
  // On the embedded database the work waits for the second instead: its one connection is not held open.
  const lead = ctx.concurrentTransactions ? TICK_LEAD_MS : 0;
  const tooEarly = second - lead - ctx.now().getTime();
  if (tooEarly > 0) await realTime(Math.min(tooEarly, MAX_EARLY_MS));
  const ahead = second > ctx.now().getTime();
  const s: PageScope = { now: ahead ? new Date(second) : ctx.now(), limits: await policies(ctx.db), tally: { warned: 0, missed: 0, quiet: 0, handedOn: 0 }, alertInPlace };
  // Committed at the second, not before: nothing is recorded missed before it is due.
  const commitAt = ahead ? () => realTime(Math.min(second - ctx.now().getTime(), lead + MAX_EARLY_MS)) : null;
  await settleAllDue(ctx, s, commitAt);
  // A clock set during the lead and due in this second (its tick was this one, already running).
  if (ahead) await settleAllDue(ctx, s, commitAt);
  const { tally } = s;
  if (tally.warned || tally.missed || tally.quiet || tally.handedOn) ctx.logger.info({ ...tally, tookMs: Date.now() - s.now.getTime() }, 'deadlines due settled');
  return { outcome: 'settled', ...tally };
}

/** Waits on a timer (one millisecond more: a timer may fire within the millisecond before its time). */
function realTime(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms + 1)) : Promise.resolve();
}

/** Every matter with a clock due by `s.now`, a batch of pages at a time; `commitAt` holds each page's commit. */
async function settleAllDue(ctx: ServiceContext, s: PageScope, commitAt: (() => Promise<void>) | null): Promise<void> {
  let after: string | null = null;
  for (;;) {
    // Each page in its own transaction on its own connection: they lock disjoint matters, so they
    // never wait on each other.
    const ids = await mattersWithDueClocks(ctx.db, s.now, after, PAGE * PAGES_AT_ONCE);
    if (!ids.length) return;
    after = ids[ids.length - 1]!;
    const pages = Array.from({ length: Math.ceil(ids.length / PAGE) }, (_, i) => ids.slice(i * PAGE, (i + 1) * PAGE));
    const wrote = await Promise.all(
      pages.map((page) =>
        ctx.db.transaction(async (tx) => {
          const out = await settlePage(tx, page, s);
          await commitAt?.();
          return out;
        }),
      ),
    );
    if (wrote.some(Boolean)) ctx.outboxWritten();
    if (ids.length < PAGE * PAGES_AT_ONCE) return;
  }
}

interface PageScope {
  /** The time the tick settles as of: what is due by then is settled, and recorded at it. */
  now: Date;
  limits: readonly TimeLimitPolicy[];
  tally: TickTally;
  alertInPlace: MissedInPlace;
}

/** One page under its matters' locks; true when anything was written to the outbox. */
async function settlePage(tx: Executor, ids: string[], s: PageScope): Promise<boolean> {
  // The clocks are read after the lock (the same connection runs the statements in order).
  const [locked, rows] = await Promise.all([lockMattersWithClockRules(tx, ids), clocksOfMatters(tx, ids)]);
  const clocksOf = new Map<string, Clock[]>();
  for (const r of rows) {
    const list = clocksOf.get(r.matterId) ?? [];
    list.push(toClock(r));
    clocksOf.set(r.matterId, list);
  }

  const marked: ClockMark[] = [];
  const events: NewMatterEvent[] = [];
  const deliveries: NewDelivery[] = [];
  const outbox: OutboxJob[] = [];
  const inPlace: Array<{ matter: MatterRow; limit: DueTimer['kind'] }> = [];

  for (const { matter: m, ...r } of locked) {
    const clocks = clocksOf.get(m.id) ?? [];
    const due = dueTimers(clocks, s.now);
    if (!due.length) continue; // settled meanwhile
    const disputeCutoff = r.evening && r.morning ? { evening: r.evening, morning: r.morning } : DEFAULT_DISPUTE_CUTOFF;
    if (planClocks({ matter: m, clocks, policies: s.limits, rules: { timezone: r.timezone, disputeCutoff }, now: s.now, pausedSince: r.pausedAt }).length) {
      // Its own timer brings the clock in line (and sets it again, or settles it) under the lock.
      for (const d of due) outbox.push(timerOutbox(timerPayload(m.id, clocks.find((c) => c.kind === d.kind)!, d.phase)));
      s.tally.handedOn += due.length;
      continue;
    }
    const next = new Map(clocks.map((c) => [c.kind, { ...c }]));
    for (const d of due) {
      const c = next.get(d.kind)!;
      if (d.phase === 'warn') {
        c.warnedAt = s.now;
        if (d.quiet || !m.assigneeId) {
          s.tally.quiet++;
          continue;
        }
        deliveries.push({
          id: randomUUID(),
          personId: m.assigneeId,
          matterId: m.id,
          template: 'deadline_warning',
          params: { ref: m.ref, category: m.category, summary: m.summary, dueAt: c.dueAt.toISOString(), limitKey: `ladder:limit.${c.kind}` },
        });
        s.tally.warned++;
        continue;
      }
      c.status = 'fired';
      c.firedAt = s.now;
      if (d.quiet) {
        s.tally.quiet++;
        continue;
      }
      events.push({
        matterId: m.id,
        at: s.now,
        actorId: null,
        action: 'deadline_missed',
        stepFrom: m.step,
        stepTo: m.step,
        levelFrom: m.level,
        levelTo: m.level,
        assigneeId: m.assigneeId,
        data: { limit: c.kind, dueAt: c.dueAt.toISOString(), version: c.version },
      });
      if (decide(m, 'escalate', ['system']).ok) outbox.push(outboxJob('deadline', { op: 'climb', matterId: m.id, limit: c.kind, version: c.version, step: m.step, level: m.level, assigneeId: m.assigneeId }));
      else inPlace.push({ matter: m, limit: c.kind });
      s.tally.missed++;
    }
    for (const c of next.values()) {
      const before = clocks.find((x) => x.kind === c.kind)!;
      if (c.status !== before.status || c.warnedAt !== before.warnedAt) marked.push({ matterId: m.id, kind: c.kind, status: c.status, firedAt: c.firedAt, warnedAt: c.warnedAt });
    }
  }

  outbox.push(...sendJobs(deliveries));
  if (deliveries.length) await createDeliveries(tx, deliveries);
  await writeTickPage(tx, { now: s.now, marks: marked, events, jobs: outbox });
  let alerted = false;
  for (const x of inPlace) alerted = (await s.alertInPlace(tx, x.matter, x.limit, s.now)) || alerted;
  return outbox.length > 0 || alerted;
}
