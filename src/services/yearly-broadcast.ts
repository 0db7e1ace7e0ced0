// 节日贺词: a broadcast sent every year on a holiday. Its row is the standing order (status
// 'yearly'); a BullMQ job scheduler per order fires on the day (queue/yearly-schedule.ts plans
// them from `yearlyPlan`, at start and after every change); each firing writes that year's copy
// as a broadcast of its own (its own ledger, its own report) and releases it. Its author sees
// their scheduled notices in /broadcast and may cancel one.
import { dueHoliday, isHoliday, nextHoliday, HOLIDAY_SEND_TIME, type Holiday } from '../domain/index.js';
import type { Role, Locale } from '../domain/types.js';
import { outboxJob, type JobOutcome } from '../ports/jobs.js';
import type { ServiceContext } from '../ports/context.js';
import type { Executor } from '../store/db.js';
import { findBroadcast, insertYearlyCopy, moveBroadcast, recordBroadcastEvent, scheduledBroadcastsBy, standingYearly, type BroadcastRow } from '../store/repositories/broadcast-repository.js';
import { findNode } from '../store/repositories/grid-repository.js';
import { enqueue } from '../store/repositories/outbox-repository.js';
import { mayBroadcast, previewCount, releaseBroadcast } from './broadcast-service.js';
import type { Sender } from './directory-service.js';

/** The outbox row that makes the yearly schedulers match the store again (after a change). */
export const planYearlyJob = () => outboxJob('broadcast', { op: 'plan_yearly' });

/** One standing order's next firing, as its scheduler is set. */
export interface YearlySlot {
  broadcastId: string;
  holiday: Holiday;
  at: Date;
  zone: string;
}

/** Every standing yearly order and when it next fires (in its node's zone). */
export async function yearlyPlan(db: Executor, now: Date): Promise<YearlySlot[]> {
  const out: YearlySlot[] = [];
  for (const row of await standingYearly(db)) {
    if (!isHoliday(row.holiday)) continue;
    const next = await nextHoliday(row.holiday, now, row.zone, row.sendTime ?? HOLIDAY_SEND_TIME);
    out.push({ broadcastId: row.id, holiday: row.holiday, at: next.at, zone: row.zone });
  }
  return out;
}

/**
 * The `broadcast` job of op `yearly` (its scheduler fired): this year's copy, written once (a
 * second firing finds it) and released, when today is the holiday in the node's zone; then the
 * schedulers are planned again (a lunar holiday's next date is another day of the year).
 */
export async function handleYearlyJob(ctx: ServiceContext, data: { broadcastId: string }): Promise<JobOutcome> {
  const out = await ctx.db.transaction(async (tx): Promise<JobOutcome> => {
    const order = await findBroadcast(tx, data.broadcastId);
    if (!order || order.status !== 'yearly' || !isHoliday(order.holiday)) return { outcome: 'not_yearly' };
    const node = await findNode(tx, order.gridNodeId);
    if (!node) return { outcome: 'not_yearly' };
    const now = ctx.now();
    const due = await dueHoliday(order.holiday, now, node.timezone, order.sendTime ?? HOLIDAY_SEND_TIME);
    await enqueue(tx, [planYearlyJob()]);
    if (!due) return { outcome: 'not_due' };
    const recipients = await previewCount(tx, node, { roles: order.roles as Role[] | null, locale: order.locale as Locale | null }, order.authorId);
    const copy = await insertYearlyCopy(tx, {
      authorId: order.authorId,
      gridNodeId: order.gridNodeId,
      roles: order.roles,
      locale: order.locale,
      texts: order.texts,
      defaultLocale: order.defaultLocale,
      buttons: order.buttons,
      attachments: order.attachments,
      status: 'scheduled',
      audienceSize: recipients,
      scheduledAt: due.at,
      holiday: order.holiday,
      yearlyOfId: order.id,
      year: due.year,
    });
    if (!copy) return { outcome: 'already_sent', year: due.year };
    await recordBroadcastEvent(tx, { broadcastId: copy.id, actorId: null, action: 'composed', at: now, data: { yearlyOf: order.id, holiday: order.holiday, year: due.year, recipients } });
    await recordBroadcastEvent(tx, { broadcastId: order.id, actorId: null, action: 'yearly_sent', at: now, data: { year: due.year, copy: copy.id, recipients } });
    const copies = await releaseBroadcast(ctx, tx, copy.id);
    return { outcome: 'released', year: due.year, copies };
  });
  ctx.outboxWritten();
  return out;
}

/** What a cadre sees of their scheduled notices: yearly orders and one-off ones still to come. */
export interface ScheduledNotice {
  id: string;
  holiday: Holiday | null;
  at: Date | null;
  nodeName: string;
  zone: string;
  text: string;
}

export async function scheduledNotices(db: Executor, author: Sender): Promise<ScheduledNotice[]> {
  return (await scheduledBroadcastsBy(db, author.person.id)).map((r) => ({
    id: r.id,
    holiday: isHoliday(r.holiday) ? r.holiday : null,
    at: r.scheduledAt,
    nodeName: r.nodeName,
    zone: r.zone,
    text: r.texts[r.defaultLocale] ?? Object.values(r.texts)[0] ?? '',
  }));
}

/**
 * Its author (or a cadre over its place) cancels a yearly order or a one-off still to come: no
 * copy is written from then on (a one-off's release job finds it cancelled; a yearly one's
 * scheduler is removed when the schedulers are planned again).
 */
export async function cancelScheduled(ctx: ServiceContext, db: Executor, who: Sender, broadcastId: string): Promise<{ ok: true; broadcast: BroadcastRow } | { ok: false; code: 'not_found' | 'not_permitted' | 'gone' }> {
  const row = await findBroadcast(db, broadcastId);
  if (!row) return { ok: false, code: 'not_found' };
  const node = await findNode(db, row.gridNodeId);
  if (!node || (row.authorId !== who.person.id && !mayBroadcast(who, node))) return { ok: false, code: 'not_permitted' };
  const now = ctx.now();
  const moved = await moveBroadcast(db, row.id, row.holiday && !row.yearlyOfId ? ['yearly', 'awaiting_approval'] : ['scheduled', 'awaiting_approval'], { status: 'cancelled', finishedAt: now });
  if (!moved) return { ok: false, code: 'gone' };
  await recordBroadcastEvent(db, { broadcastId: row.id, actorId: who.person.id, action: 'cancelled', at: now });
  if (row.holiday) await enqueue(db, [planYearlyJob()]);
  return { ok: true, broadcast: moved };
}
