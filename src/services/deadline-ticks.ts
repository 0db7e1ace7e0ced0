// The tick of a due second: every deadline due by then is settled together, a page of matters per
// transaction, with set-based writes. Under the matters' row locks (taken in id order) the clocks
// are read again: a warning at 75% is marked and sent to the holder; a missed limit is marked
// fired, recorded (`deadline_missed`) and its climb queued through the outbox in the same commit,
// so a recorded miss always climbs unless the matter moved meanwhile (climbAfterMiss). A clock the
// current policy or the matter's cut-off would place elsewhere is handed to its own timer, which
// sets it again (checkTimer). Every step is idempotent: a tick run twice, or two ticks at once,
// find the clocks already marked.
import { randomUUID } from 'node:crypto';
import { decide, dueTimers, DEFAULT_DEADLINE_RULES, DEFAULT_DISPUTE_CUTOFF, planClocks, type Clock, type DueTimer, type TimeLimitPolicy } from '../domain/index.js';
import { outboxJob, type JobOutcome, type OutboxJob } from '../ports/jobs.js';
import type { ServiceContext } from '../ports/context.js';
import type { Executor } from '../store/db.js';
import { clockRulesOf, clocksOfMatters, mattersWithDueClocks, writeTickPage, type ClockMark } from '../store/repositories/deadline-repository.js';
import { createDeliveries, type NewDelivery } from '../store/repositories/delivery-repository.js';
import { lockMatters, type MatterRow, type NewMatterEvent } from '../store/repositories/matter-repository.js';
import { timerOutbox, timerPayload, toClock } from './deadline-sync.js';
import { policies } from './policy-cache.js';
import { sendJobs } from './send-jobs.js';

/** A timer this early (clock skew between processes) still counts as due. */
export const EARLY_MS = 1000;
/** Matters settled per transaction (2,000 held locked for about half a second at most, measured). */
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

export async function settleDueDeadlines(ctx: ServiceContext, alertInPlace: MissedInPlace): Promise<JobOutcome> {
  const now = ctx.now();
  const upTo = new Date(now.getTime() + EARLY_MS);
  const limits = await policies(ctx.db);
  const tally: TickTally = { warned: 0, missed: 0, quiet: 0, handedOn: 0 };
  let after: string | null = null;
  for (;;) {
    // A batch of pages at a time, each in its own transaction on its own connection: they lock
    // disjoint matters, so they never wait on each other.
    const ids = await mattersWithDueClocks(ctx.db, upTo, after, PAGE * PAGES_AT_ONCE);
    if (!ids.length) break;
    after = ids[ids.length - 1]!;
    const pages = Array.from({ length: Math.ceil(ids.length / PAGE) }, (_, i) => ids.slice(i * PAGE, (i + 1) * PAGE));
    const wrote = await Promise.all(pages.map((page) => ctx.db.transaction((tx) => settlePage(tx, page, { now, upTo, limits, tally, alertInPlace }))));
    if (wrote.some(Boolean)) ctx.outboxWritten();
    if (ids.length < PAGE * PAGES_AT_ONCE) break;
  }
  if (tally.warned || tally.missed || tally.quiet || tally.handedOn) ctx.logger.info({ ...tally, tookMs: ctx.now().getTime() - now.getTime() }, 'deadlines due settled');
  return { outcome: 'settled', ...tally };
}

interface PageScope {
  now: Date;
  upTo: Date;
  limits: readonly TimeLimitPolicy[];
  tally: TickTally;
  alertInPlace: MissedInPlace;
}

/** One page under its matters' locks; true when anything was written to the outbox. */
async function settlePage(tx: Executor, ids: string[], s: PageScope): Promise<boolean> {
  const locked = await lockMatters(tx, ids);
  const [rules, rows] = await Promise.all([clockRulesOf(tx, ids), clocksOfMatters(tx, ids)]);
  const rulesOf = new Map(rules.map((r) => [r.id, r]));
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

  for (const m of locked) {
    const clocks = clocksOf.get(m.id) ?? [];
    const due = dueTimers(clocks, s.upTo);
    if (!due.length) continue; // settled meanwhile
    const r = rulesOf.get(m.id);
    const disputeCutoff = r?.evening && r.morning ? { evening: r.evening, morning: r.morning } : DEFAULT_DISPUTE_CUTOFF;
    if (planClocks({ matter: m, clocks, policies: s.limits, rules: { timezone: r?.timezone ?? DEFAULT_DEADLINE_RULES.timezone, disputeCutoff }, now: s.now, pausedSince: r?.pausedAt ?? null }).length) {
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
