// 网格吹哨、部门报到: an officer or cadre summons departments on a matter; each department's liaison
// reports in within its limit and signs off its part; a township cadre rates each part. A
// department that misses its limit alerts the township (a delayed job from the outbox).
// The actions run inside performAction's transaction, under the matter's lock.
import { randomUUID } from 'node:crypto';
import { isDepartmentRating, mayRateDepartment } from '../domain/climb-rules.js';
import { dueAt } from '../domain/time-limits.js';
import type { JobOutcome } from '../ports/jobs.js';
import type { Executor } from '../store/db.js';
import type { NewDelivery } from '../store/repositories/delivery-repository.js';
import { ancestry, findNode, type GridNodeRow } from '../store/repositories/grid-repository.js';
import { appendEvents, lockMatter, type MatterRow, type NewMatterEvent } from '../store/repositories/matter-repository.js';
import { enqueue } from '../store/repositories/outbox-repository.js';
import { outboxJob, type OutboxJob } from '../ports/jobs.js';
import {
  findDepartments,
  insertSummons,
  latestSummons,
  liaisonDepartmentsOn,
  liaisonsOf,
  lockSummons,
  summonsOf,
  updateSummons,
  type DepartmentRow,
  type NewSummons,
  type SummonsWithDepartment,
} from '../store/repositories/summons-repository.js';
import { alertDeliveries, writeDeliveries } from './alert-service.js';
import type { ServiceContext } from '../ports/context.js';

export const REPORT_IN_JOB = 'report_in_due' as const;

export type SummonsFailure = 'invalid_target' | 'not_now' | 'not_permitted' | 'invalid_rating';

/** What one of these actions writes besides the matter's own row. */
export interface SummonsWrites {
  events: NewMatterEvent[];
  deliveries: NewDelivery[];
  outbox: OutboxJob[];
}

export type SummonsResult = ({ ok: true } & SummonsWrites) | { ok: false; code: SummonsFailure };

export interface SummonsScope {
  tx: Executor;
  matter: MatterRow;
  /** The matter's grid and every node above it, nearest first. */
  chain: GridNodeRow[];
  actorId: string | null;
  actorName: string;
  title: string;
  now: Date;
  /** The fields every event of this action shares. */
  base: Omit<NewMatterEvent, 'action'>;
}

/**
 * The departments a whistle may summon on a matter: those serving a node in its line of the tree
 * (the township's or the county's). Unknown or foreign keys give null.
 */
export async function resolveSummonable(db: Executor, keys: readonly string[], chain: readonly GridNodeRow[]): Promise<DepartmentRow[] | null> {
  const wanted = [...new Set(keys.map((k) => k.trim()).filter(Boolean))];
  if (!wanted.length) return null;
  const found = await findDepartments(db, wanted);
  const line = new Set(chain.map((n) => n.id));
  const matched = wanted.map((k) => found.find((d) => d.id === k || d.code === k));
  if (matched.some((d) => !d || !line.has(d.gridNodeId))) return null;
  return [...new Map(matched.map((d) => [d!.id, d!])).values()];
}

function notice(s: SummonsScope, personId: string | null | undefined, template: string, params: Record<string, unknown>): NewDelivery[] {
  if (!personId || personId === s.actorId) return [];
  const m = s.matter;
  return [{ id: randomUUID(), personId, matterId: m.id, template, params: { ref: m.ref, category: m.category, summary: m.summary, ...params } }];
}

const who = (s: SummonsScope) => ({ assignee: s.actorName, title: s.title });

/** A department's report-in or sign-off goes to whoever holds the matter and to whoever blew the whistle. */
function toHolderAndWhistler(s: SummonsScope, x: { summonedById: string | null }, template: string, params: Record<string, unknown>): NewDelivery[] {
  const people = [...new Set([s.matter.assigneeId, x.summonedById])];
  return people.flatMap((p) => notice(s, p, template, params));
}

/** 吹哨: summons the departments not already summoned and waiting. */
export async function whistle(s: SummonsScope, depts: DepartmentRow[], reason: string): Promise<SummonsResult> {
  const open = (await summonsOf(s.tx, s.matter.id)).filter((x) => !x.signedOffAt);
  const fresh = depts.filter((d) => !open.some((x) => x.departmentId === d.id));
  if (!fresh.length) return { ok: false, code: 'invalid_target' };
  const rows = fresh.map((d): NewSummons & { id: string } => ({
    id: randomUUID(),
    matterId: s.matter.id,
    departmentId: d.id,
    summonedAt: s.now,
    summonedById: s.actorId,
    reason,
    reportDueAt: dueAt(s.now, d.reportInMinutes),
  }));
  await insertSummons(s.tx, rows);
  const grid = s.chain[0]?.name ?? '';
  const deliveries: NewDelivery[] = [];
  for (const l of await liaisonsOf(s.tx, fresh.map((d) => d.id))) {
    const d = fresh.find((x) => x.id === l.departmentId)!;
    const row = rows.find((r) => r.departmentId === d.id)!;
    deliveries.push(...notice(s, l.personId, 'summoned', { ...who(s), grid, reason, department: d.name, departmentCode: d.code, dueAt: row.reportDueAt.toISOString() }));
  }
  const names = fresh.map((d) => d.name).join('、');
  deliveries.push(...notice(s, s.matter.assigneeId, 'whistle_notice', { ...who(s), reason, departments: names }));
  return {
    ok: true,
    events: [{ ...s.base, action: 'whistle', note: reason.slice(0, 500), data: { departmentIds: fresh.map((d) => d.id), reason } }],
    deliveries,
    outbox: rows.map((r) => outboxJob(REPORT_IN_JOB, { summonsId: r.id }, { runAt: r.reportDueAt })),
  };
}

/**
 * The open summons the acting liaison answers for. With a department named (id or code) it must
 * be one of theirs on this matter; without, they must have exactly one that `pending` accepts.
 */
async function liaisonSummons(s: SummonsScope, key: string | undefined, pending: (x: SummonsWithDepartment) => boolean): Promise<SummonsWithDepartment | SummonsFailure> {
  if (!s.actorId) return 'not_permitted';
  const mine = new Set(await liaisonDepartmentsOn(s.tx, s.actorId, s.matter.id));
  const all = await summonsOf(s.tx, s.matter.id);
  const open = all.filter((x) => !x.signedOffAt && mine.has(x.departmentId));
  if (key) {
    // Button data is forgeable: the department named must be one this person answers for.
    const named = all.filter((x) => x.departmentId === key || x.departmentCode === key);
    if (!named.some((x) => mine.has(x.departmentId))) return 'not_permitted';
    const hit = open.find((x) => (x.departmentId === key || x.departmentCode === key) && pending(x));
    return hit ?? 'not_now';
  }
  const candidates = open.filter(pending);
  if (candidates.length === 1) return candidates[0]!;
  return candidates.length ? 'invalid_target' : 'not_now';
}

function reportInWrites(s: SummonsScope, x: SummonsWithDepartment): { late: boolean; event: NewMatterEvent } {
  const late = s.now > x.reportDueAt;
  return { late, event: { ...s.base, action: 'report_in', data: { departmentId: x.departmentId, late, summonsId: x.id } } };
}

/** 报到: the department's liaison reports in; late when past the department's limit. */
export async function reportIn(s: SummonsScope, key: string | undefined): Promise<SummonsResult> {
  const x = await liaisonSummons(s, key, (y) => !y.reportedInAt);
  if (typeof x === 'string') return { ok: false, code: x };
  const { late, event } = reportInWrites(s, x);
  await updateSummons(s.tx, x.id, { reportedInAt: s.now, reportedInById: s.actorId, late: late || x.late });
  return {
    ok: true,
    events: [event],
    deliveries: toHolderAndWhistler(s, x, 'department_reported_in', { ...who(s), department: x.departmentName, late }),
    outbox: [],
  };
}

/** The department's part is done. Signing off without reporting in first reports in too. */
export async function signOff(s: SummonsScope, key: string | undefined, note: string): Promise<SummonsResult> {
  const x = await liaisonSummons(s, key, () => true);
  if (typeof x === 'string') return { ok: false, code: x };
  const events: NewMatterEvent[] = [];
  const patch: Partial<NewSummons> = { signedOffAt: s.now, signedOffById: s.actorId, signOffNote: note || null };
  if (!x.reportedInAt) {
    const r = reportInWrites(s, x);
    events.push(r.event);
    Object.assign(patch, { reportedInAt: s.now, reportedInById: s.actorId, late: r.late || x.late });
  }
  await updateSummons(s.tx, x.id, patch);
  events.push({ ...s.base, action: 'sign_off', note: note.slice(0, 500) || null, data: { departmentId: x.departmentId, summonsId: x.id } });
  const remaining = (await summonsOf(s.tx, s.matter.id)).filter((y) => !y.signedOffAt && y.id !== x.id).length;
  const template = remaining ? 'department_signed_off' : 'departments_done';
  return { ok: true, events, deliveries: toHolderAndWhistler(s, x, template, { ...who(s), department: x.departmentName, departmentCode: x.departmentCode, note, remaining }), outbox: [] };
}

/**
 * The holder, the whistler or the township rates a department's part, 1–5, once it has signed
 * off; once per summons. `townshipCadre`: the actor is a cadre at township level or above in the line.
 */
export async function rateDepartment(s: SummonsScope, key: string, rating: number, comment: string, townshipCadre: boolean): Promise<SummonsResult> {
  if (!isDepartmentRating(rating)) return { ok: false, code: 'invalid_rating' };
  const [dept] = await findDepartments(s.tx, [key]);
  const x = dept ? await latestSummons(s.tx, s.matter.id, dept.id) : undefined;
  if (!dept || !x) return { ok: false, code: 'invalid_target' };
  if (!mayRateDepartment({ holder: s.actorId !== null && s.matter.assigneeId === s.actorId, whistler: s.actorId !== null && x.summonedById === s.actorId, townshipCadre })) return { ok: false, code: 'not_permitted' };
  if (!x.signedOffAt || x.rating !== null) return { ok: false, code: 'not_now' };
  await updateSummons(s.tx, x.id, { rating, ratedById: s.actorId, ratedAt: s.now });
  const deliveries: NewDelivery[] = [];
  for (const l of await liaisonsOf(s.tx, [dept.id])) deliveries.push(...notice(s, l.personId, 'department_rated', { ...who(s), department: dept.name, rating, comment }));
  return {
    ok: true,
    events: [{ ...s.base, action: 'rate_department', note: comment.slice(0, 500) || null, data: { departmentId: dept.id, rating, summonsId: x.id } }],
    deliveries,
    outbox: [],
  };
}

/**
 * The report-in limit of one summons has passed. If the department has still not reported in,
 * the township is alerted, once: the summons is checked and marked under its lock.
 */
export async function reportInDue(ctx: ServiceContext, summonsId: string): Promise<JobOutcome> {
  const now = ctx.now();
  const out = await ctx.db.transaction(async (tx): Promise<JobOutcome & { wrote?: boolean }> => {
    const x = await lockSummons(tx, summonsId);
    if (!x) return { outcome: 'missing' };
    if (x.reportedInAt || x.signedOffAt) return { outcome: 'reported_in' };
    if (x.overdueAlertedAt) return { outcome: 'already_alerted' };
    if (now < x.reportDueAt) {
      // Relayed early (clocks apart): come back when it is due.
      await enqueue(tx, [outboxJob(REPORT_IN_JOB, { summonsId }, { runAt: x.reportDueAt })]);
      return { outcome: 'not_due', wrote: true };
    }
    const matter = await lockMatter(tx, x.matterId);
    if (!matter || matter.state !== 'open') return { outcome: 'matter_moved_on' };
    const unit = await findNode(tx, matter.gridNodeId);
    const chain = unit ? await ancestry(tx, unit) : [];
    const township = chain.find((n) => n.level === 'township') ?? chain[chain.length - 1];
    await updateSummons(tx, x.id, { overdueAlertedAt: now, late: true });
    await appendEvents(tx, [
      {
        matterId: matter.id,
        at: now,
        actorId: null,
        action: 'report_in_overdue',
        stepFrom: matter.step,
        stepTo: matter.step,
        levelFrom: matter.level,
        levelTo: matter.level,
        data: { departmentId: x.departmentId, summonsId: x.id, alerted: township?.id ?? null },
      },
    ]);
    if (!township) return { outcome: 'no_township' };
    const deliveries = await alertDeliveries(tx, {
      node: township,
      template: 'summons_overdue',
      params: { grid: chain[0]?.name ?? '', department: x.departmentName, dueAt: x.reportDueAt.toISOString(), reason: x.reason },
      matter,
      now,
    });
    const wrote = await writeDeliveries(tx, deliveries);
    return { outcome: 'alerted', township: township.code, alerts: deliveries.length, held: deliveries.filter((d) => d.status === 'held').length, wrote };
  });
  const { wrote, ...outcome } = out;
  if (wrote) ctx.outboxWritten();
  return outcome;
}

/** The names of the departments summoned on the matter that have not signed off their part. */
export async function pendingDepartments(db: Executor, matterId: string): Promise<string[]> {
  return (await summonsOf(db, matterId)).filter((x) => !x.signedOffAt).map((x) => x.departmentName);
}
