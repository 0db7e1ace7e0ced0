// The outbox: jobs written with the state change that causes them, relayed after commit.
import { and, asc, inArray, isNull, lte, or, sql } from 'drizzle-orm';
import type { Executor } from '../db.js';
import type { OutboxJob } from '../../ports/jobs.js';
import { outbox } from '../schema.js';
import { prepared } from '../prepared.js';

export type OutboxRow = typeof outbox.$inferSelect;

/** Writes jobs to relay after commit; rows come from `outboxJob(name, data)` only. */
export async function enqueue(db: Executor, rows: readonly OutboxJob[]): Promise<void> {
  if (rows.length) await db.insert(outbox).values(rows.map((r) => ({ queue: r.queue, job: r.job, payload: r.payload, runAt: r.runAt })));
}

/**
 * Rows not yet relayed whose time has come, oldest first. `relayed`: rows put on their queues
 * since, marked relayed in the same statement (and not read again).
 */
export async function pendingOutbox(db: Executor, limit: number, now: Date, relayed: readonly number[] = []): Promise<OutboxRow[]> {
  const query = prepared(db, 'outbox_pending', (db) => {
    const marked = db.$with('marked', { id: outbox.id }).as(
      sql`update ${outbox} set ${sql.identifier(outbox.relayedAt.name)} = ${sql.placeholder('now')}::timestamptz where ${outbox.id} in (select jsonb_array_elements_text(${sql.placeholder('relayed')}::jsonb)::bigint) returning ${outbox.id}`,
    );
    return db
      .with(marked)
      .select()
      .from(outbox)
      .where(and(isNull(outbox.relayedAt), or(isNull(outbox.runAt), lte(outbox.runAt, sql.placeholder('now'))), sql`${outbox.id} not in (select id from marked)`))
      .orderBy(asc(outbox.id))
      .limit(sql.placeholder('limit'))
      .prepare('outbox_pending');
  });
  // A placeholder is not mapped by a column: the time goes as text.
  return query.execute({ now: now.toISOString(), limit, relayed: JSON.stringify(relayed) });
}

/** Marks rows relayed: one statement text whatever their number (the ids go as one JSON array), built once. */
export async function markRelayed(db: Executor, ids: number[], at: Date): Promise<void> {
  if (!ids.length) return;
  const query = prepared(db, 'outbox_relayed', (db) =>
    db
      .update(outbox)
      .set({ relayedAt: sql`${sql.placeholder('at')}::timestamptz` })
      .where(sql`${outbox.id} in (select jsonb_array_elements_text(${sql.placeholder('ids')}::jsonb)::bigint)`)
      .prepare('outbox_relayed'),
  );
  await query.execute({ at: at.toISOString(), ids: JSON.stringify(ids) });
}

export async function markRelayFailed(db: Executor, ids: number[], error: string): Promise<void> {
  if (ids.length)
    await db
      .update(outbox)
      .set({ attempts: sql`${outbox.attempts} + 1`, lastError: error.slice(0, 500) })
      .where(inArray(outbox.id, ids));
}

export async function outboxBacklog(db: Executor): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(outbox).where(isNull(outbox.relayedAt));
  return Number(row?.n ?? 0);
}

/** Rows not yet relayed that are due by `by` (a row set to run later is not counted until then). */
export async function outboxDueCount(db: Executor, by: Date): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(outbox)
    .where(and(isNull(outbox.relayedAt), or(isNull(outbox.runAt), lte(outbox.runAt, by))));
  return Number(row?.n ?? 0);
}
